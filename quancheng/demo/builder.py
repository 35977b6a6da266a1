"""The demo agency: 示例市市场监督管理局 with people in every role, 执法证 valid and expired, and ~20 cases
spread over the five stages with records and a few small media files.

Everything is written through the same services users go through, so the demo's ledger verifies like
real data. Building happens once: if the demo agency exists, nothing is written again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from quancheng.accounts import services as accounts
from quancheng.accounts.models import Agency, Role, Unit, User
from quancheng.cases import identifiers
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, Case, CaseSource, Party, PartyKind, Procedure, Stage, Step
from quancheng.evidence import services as evidence
from quancheng.evidence.models import Device, MediaKind
from quancheng.evidence.storage import get_blob_store, stage_chunks

from . import media, procedure

DEMO_AGENCY = "示例市市场监督管理局"
SUPERVISING_AGENCY = "示例市司法局"
DEMO_PASSWORD = "quancheng-demo"


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    roles: tuple[Role, ...]
    unit: str | None
    certificate: str | None = None  # "valid", "expired" or None
    agency: str | None = DEMO_AGENCY
    staff: bool = False


PEOPLE: tuple[Person, ...] = (
    Person("zhangsan", "张三", (Role.OFFICER,), "执法稽查科", "valid"),
    Person("lisi", "李四", (Role.OFFICER,), "执法稽查科", "valid"),
    Person("chenliu", "陈六", (Role.OFFICER,), "执法稽查科", "valid"),
    Person("wangwu", "王五", (Role.OFFICER,), "执法稽查科", "expired"),
    Person("fazhi", "赵法审", (Role.LEGAL_REVIEWER,), "法制科"),
    Person("kezhang", "孙科长", (Role.UNIT_HEAD,), "执法稽查科"),
    Person("juzhang", "钱局长", (Role.PRINCIPAL_HEAD,), None),
    Person("fenguan", "周副局长", (Role.LEADER_IN_CHARGE,), None),
    Person("dangan", "吴档案", (Role.ARCHIVIST,), "办公室"),
    Person("jiandu", "郑监督", (Role.SUPERVISOR,), "执法监督科", agency=SUPERVISING_AGENCY),
    Person("admin", "系统管理员", (Role.ADMIN,), "办公室", staff=True),
    # ACCESS-04: the legal representative of 示例市鲜果超市有限公司 (PARTIES[0]) views its own cases.
    Person("dangshiren", "林大海", (Role.PARTY,), None, agency=None),
)
PARTY_LOGIN_FOR = 0  # index into PARTIES


@dataclass(frozen=True)
class CaseSpec:
    title: str
    act_type: ActType
    source: CaseSource
    party: int  # index into PARTIES
    target: Stage
    procedure: Procedure = Procedure.GENERAL


@dataclass(frozen=True)
class PartySpec:
    kind: PartyKind
    name: str
    body17: str  # the first 17 characters; the check character is computed
    legal_representative: str = ""
    address: str = ""
    contact: str = ""


PARTIES: tuple[PartySpec, ...] = (
    PartySpec(
        PartyKind.ORGANISATION,
        "示例市鲜果超市有限公司",
        "91330100MA2AB1C2X",
        "林大海",
        "示例市中山路12号",
        "0571-88001234",
    ),
    PartySpec(
        PartyKind.ORGANISATION,
        "示例市百味餐饮管理有限公司",
        "91330100MA2CD3E4Y",
        "何美玲",
        "示例市解放路88号",
        "0571-88005678",
    ),
    PartySpec(
        PartyKind.ORGANISATION,
        "示例市康宁大药房有限公司",
        "91330100MA2EF5G6H",
        "宋文博",
        "示例市延安路201号",
        "0571-88009012",
    ),
    PartySpec(PartyKind.PERSON, "刘建国", "33010219800101123", "", "示例市西湖区文三路5号", "13800000001"),
    PartySpec(PartyKind.PERSON, "黄小燕", "33010619920715246", "", "示例市拱墅区湖墅南路9号", "13800000002"),
    PartySpec(
        PartyKind.ORGANISATION, "示例市明亮眼镜店", "92330100MA2GH7J8K", "许明亮", "示例市体育场路66号", "13800000003"
    ),
)

CASES: tuple[CaseSpec, ...] = (
    CaseSpec("销售过期食品案", ActType.PENALTY, CaseSource.INSPECTION, 0, Stage.ARCHIVE),
    CaseSpec("餐饮服务未公示许可证案", ActType.PENALTY, CaseSource.COMPLAINT, 1, Stage.ARCHIVE),
    CaseSpec("药店未凭处方销售处方药案", ActType.PENALTY, CaseSource.REPORT, 2, Stage.ARCHIVE),
    CaseSpec("无照经营案", ActType.PENALTY, CaseSource.INSPECTION, 3, Stage.SERVICE_EXECUTION),
    CaseSpec("虚假宣传案", ActType.PENALTY, CaseSource.REPORT, 0, Stage.SERVICE_EXECUTION),
    CaseSpec("计量器具未检定案", ActType.PENALTY, CaseSource.INSPECTION, 5, Stage.SERVICE_EXECUTION),
    CaseSpec(
        "当场处罚:占道经营警告", ActType.PENALTY, CaseSource.INSPECTION, 4, Stage.SERVICE_EXECUTION, Procedure.SIMPLE
    ),
    CaseSpec("食品标签不规范案", ActType.PENALTY, CaseSource.COMPLAINT, 1, Stage.REVIEW_DECISION),
    CaseSpec("价格欺诈案", ActType.PENALTY, CaseSource.COMPLAINT, 0, Stage.REVIEW_DECISION),
    CaseSpec("药品储存不符合要求案", ActType.PENALTY, CaseSource.INSPECTION, 2, Stage.REVIEW_DECISION),
    CaseSpec("扣押涉嫌假冒商品", ActType.COERCION, CaseSource.TRANSFERRED, 5, Stage.REVIEW_DECISION),
    CaseSpec("超范围经营案", ActType.PENALTY, CaseSource.ASSIGNED, 3, Stage.INVESTIGATION_EVIDENCE),
    CaseSpec("餐厨废弃物处置检查", ActType.INSPECTION, CaseSource.INSPECTION, 1, Stage.INVESTIGATION_EVIDENCE),
    CaseSpec("网络交易平台未核验经营者案", ActType.PENALTY, CaseSource.REPORT, 4, Stage.INVESTIGATION_EVIDENCE),
    CaseSpec("特种设备未登记案", ActType.PENALTY, CaseSource.INSPECTION, 0, Stage.INVESTIGATION_EVIDENCE),
    CaseSpec("投诉:缺斤短两", ActType.PENALTY, CaseSource.COMPLAINT, 5, Stage.PROGRAM_START),
    CaseSpec("举报:销售三无产品", ActType.PENALTY, CaseSource.REPORT, 3, Stage.PROGRAM_START),
    CaseSpec("上级交办:校园周边食品安全检查", ActType.INSPECTION, CaseSource.ASSIGNED, 1, Stage.PROGRAM_START),
    CaseSpec("药品经营许可证延续申请", ActType.LICENSING, CaseSource.APPLICATION, 2, Stage.PROGRAM_START),
    CaseSpec("移送:涉嫌商标侵权", ActType.PENALTY, CaseSource.TRANSFERRED, 4, Stage.PROGRAM_START),
)


@dataclass
class DemoSummary:
    created: bool
    agency: Agency
    cases_by_stage: dict[str, int] = field(default_factory=dict)
    records: int = 0
    media: int = 0


def demo_exists() -> bool:
    return Agency.objects.filter(name=DEMO_AGENCY).exists()


def _party_number(spec: PartySpec) -> str:
    check = identifiers.id_check_char if spec.kind == PartyKind.PERSON else identifiers.uscc_check_char
    return spec.body17 + check(spec.body17)


def _people(agencies: dict[str, Agency], units: dict[tuple[str, str], Unit], today: date) -> dict[str, User]:
    users: dict[str, User] = {}
    for number, person in enumerate(PEOPLE, start=1):
        agency = agencies[person.agency] if person.agency else None
        user = accounts.user_create(
            actor=None,
            username=person.username,
            full_name=person.full_name,
            agency=agency,
            unit=units[(person.agency, person.unit)] if person.agency and person.unit else None,
            password=DEMO_PASSWORD,
            roles=person.roles,
            is_staff=person.staff,
            is_superuser=person.staff,
        )
        if person.certificate == "valid":
            valid_from, valid_to = today - timedelta(days=400), today + timedelta(days=3 * 365)
        elif person.certificate == "expired":
            valid_from, valid_to = today - timedelta(days=5 * 365), today - timedelta(days=30)
        else:
            valid_from = valid_to = None
        if valid_from is not None and valid_to is not None:
            accounts.certificate_issue(
                actor=None,
                holder=user,
                number=f"33010{number:03d}{today.year % 100:02d}",
                issuer="示例市人民政府",
                scope="示例市行政区域 · 市场监督管理",
                valid_from=valid_from,
                valid_to=valid_to,
            )
        users[person.username] = user
    return users


def _ingest(
    actor: User,
    case: Case,
    data: bytes,
    kind: MediaKind,
    content_type: str,
    name: str,
    captured_at: datetime,
    device: Device | None,
) -> None:
    staged = stage_chunks(get_blob_store(), [data])
    evidence.media_ingest(
        actor=actor,
        case=case,
        stored=staged,
        kind=kind,
        content_type=content_type,
        original_name=name,
        captured_at=captured_at,
        device=device,
        officer=actor,
    )


@transaction.atomic
def build_demo() -> DemoSummary:
    """Create the demo once (all or nothing); return what exists."""
    if demo_exists():
        return summarise(created=False)
    today = timezone.localdate()
    supervising = accounts.agency_create(
        actor=None,
        name=SUPERVISING_AGENCY,
        short_name="示市司",
        case_number_prefix="示市司监",
        address="示例市人民路1号",
    )
    agency = accounts.agency_create(
        actor=None,
        name=DEMO_AGENCY,
        short_name="示市监",
        case_number_prefix="示市监立",
        supervising_agency=supervising,
        address="示例市市民中心C座",
    )
    agencies = {DEMO_AGENCY: agency, SUPERVISING_AGENCY: supervising}
    units: dict[tuple[str, str], Unit] = {}
    for agency_name, unit_name in (
        (DEMO_AGENCY, "执法稽查科"),
        (DEMO_AGENCY, "法制科"),
        (DEMO_AGENCY, "办公室"),
        (SUPERVISING_AGENCY, "执法监督科"),
    ):
        units[(agency_name, unit_name)] = accounts.unit_create(actor=None, agency=agencies[agency_name], name=unit_name)
    users = _people(agencies, units, today)
    officer, partner, third = users["zhangsan"], users["lisi"], users["chenliu"]
    device = evidence.device_register(actor=officer, agency=agency, serial="DSJ-2026-0001", model="DSJ-V8 执法记录仪")

    parties: list[Party] = [
        cases.party_create(
            actor=officer,
            agency=agency,
            kind=spec.kind,
            name=spec.name,
            id_number=_party_number(spec),
            legal_representative=spec.legal_representative,
            address=spec.address,
            contact=spec.contact,
        )
        for spec in PARTIES
    ]
    cases.party_account_link(actor=officer, party=parties[PARTY_LOGIN_FOR], account=users["dangshiren"])
    unit = units[(DEMO_AGENCY, "执法稽查科")]
    now = timezone.now()
    for position, spec in enumerate(CASES):
        lead, second = (officer, partner) if position % 2 == 0 else (partner, third)
        case = cases.case_open(
            actor=lead,
            agency=agency,
            unit=unit,
            title=spec.title,
            act_type=spec.act_type,
            source=spec.source,
            procedure=spec.procedure,
            summary=f"{spec.title}:{PARTIES[spec.party].name}涉嫌违法,依法调查处理。",
            occurred_at=now - timedelta(days=40 - position),
            occurred_place=PARTIES[spec.party].address or "示例市",
            handlers=(lead, second),
            parties=(parties[spec.party],),
        )
        party = parties[spec.party]
        cast = procedure.Cast(
            author=lead,
            partner=second,
            principal_head=users["juzhang"],
            unit_head=users["kezhang"],
            reviewer=users["fazhi"],
            party=party,
            leader=users["fenguan"],
        )
        target = procedure.STEP_FOR_STAGE[spec.target]
        if spec.procedure == Procedure.SIMPLE and target == Step.CLUE:
            target = Step.EXECUTION
        if target == Step.CLUE:
            procedure.make_record(
                case, cast, "complaint_registration" if spec.source == "complaint" else "case_filing_approval"
            )
            continue
        if spec.procedure == Procedure.GENERAL:
            procedure.walk(case, cast, Step.INVESTIGATION, note="演示数据:按程序推进")
            if position % 3 == 0:
                captured = now - timedelta(days=30 - position)
                _ingest(
                    lead,
                    case,
                    media.png(64, 48, position),
                    MediaKind.PHOTO,
                    "image/png",
                    f"现场照片-{position + 1}.png",
                    captured,
                    device,
                )
                _ingest(
                    lead,
                    case,
                    media.wav(1.0, 440 + 20 * position),
                    MediaKind.AUDIO,
                    "audio/wav",
                    f"询问录音-{position + 1}.wav",
                    captured,
                    device,
                )
        procedure.walk(case, cast, target, note="演示数据:按程序推进")
    return summarise(created=True)


def summarise(*, created: bool) -> DemoSummary:
    from quancheng.evidence.models import MediaObject
    from quancheng.records.models import Record

    agency = Agency.objects.get(name=DEMO_AGENCY)
    by_stage = {label: Case.objects.filter(agency=agency, stage=value).count() for value, label in Stage.choices}
    return DemoSummary(
        created=created,
        agency=agency,
        cases_by_stage=by_stage,
        records=Record.objects.filter(case__agency=agency).count(),
        media=MediaObject.objects.filter(agency=agency).count(),
    )


def logins() -> list[tuple[str, str, str]]:
    return [
        (
            p.username,
            p.full_name,
            "、".join(role.label for role in p.roles)
            + ("(执法证已过期)" if p.certificate == "expired" else "")
            + (f"({PARTIES[PARTY_LOGIN_FOR].name},只读本方案件)" if Role.PARTY in p.roles else ""),
        )
        for p in PEOPLE
    ]
