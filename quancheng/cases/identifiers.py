"""Check the two identifiers a party carries (GEN-11): 居民身份证号码 and 统一社会信用代码.

Pure functions, no database. ``normalise_*`` returns the canonical form (stripped, upper-case) or raises
``DomainError`` with a Chinese message that says exactly what is wrong, so the officer can fix the typo.
"""

from __future__ import annotations

from datetime import date

from quancheng.core.errors import DomainError, ErrorCode

# --- 居民身份证号码, GB 11643-1999 ----------------------------------------------------------------

ID_NUMBER_LENGTH = 18
# GB 11643-1999 §7 (ISO 7064:1983 MOD 11-2): weight of position i is 2^(17-i) mod 11.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11).
ID_CHECK_CHARS = "10X98765432"
# First two digits of the address code (GB/T 2260 province-level divisions); 81/82/83 are the codes GB 11643
# numbers use on 港澳台居民居住证. No address code starts outside this set.
ID_PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip


def id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _id_error(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_ID_NUMBER, f"居民身份证号码无效:{message}")


def normalise_id_number(raw: str, *, today: date) -> str:
    """Return the canonical 18-character ID number, or raise INVALID_ID_NUMBER naming the defect.

    ``today`` is the local (Asia/Shanghai) date: a birth date after it is impossible.
    """
    value = (raw or "").strip().upper()
    if len(value) != ID_NUMBER_LENGTH:
        raise _id_error(f"应为{ID_NUMBER_LENGTH}位,实际为{len(value)}位")
    body, check = value[:17], value[17]
    if not body.isascii() or not body.isdigit():
        raise _id_error("前17位只能是数字")
    if not (check.isascii() and (check.isdigit() or check == "X")):
        raise _id_error("第18位只能是数字或X")
    if body[:2] not in ID_PROVINCE_CODES:
        raise _id_error(f"地址码“{body[:6]}”不是有效的行政区划代码")
    try:
        birth = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise _id_error(f"出生日期“{body[6:14]}”不是真实日期") from None
    if birth > today:
        raise _id_error(f"出生日期“{body[6:14]}”晚于今天")
    expected = id_check_char(body)
    if check != expected:
        raise _id_error("校验码不正确,请核对号码")
    return value


# --- 统一社会信用代码, GB 32100-2015 ---------------------------------------------------------------

USCC_LENGTH = 18
# GB 32100-2015 §4.3: the code's character set (digits and capitals without I, O, S, V, Z), in value order.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_MODULUS = len(USCC_CHARSET)  # 31
# GB 32100-2015 §5 / 附录: weight of position i is 3^i mod 31.
USCC_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Position 1 (登记管理部门) → allowed position-2 (机构类别) characters, where GB 32100-2015 表1 fixes them.
USCC_CATEGORIES: dict[str, frozenset[str]] = {
    "1": frozenset("1239"),  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "5": frozenset("1239"),  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "9": frozenset("123"),  # 工商: 企业, 个体工商户, 农民专业合作社
    "Y": frozenset("1"),  # 其他
}
# Registration departments assigned since by the national code centre (外交 2, 司法行政 3, 文化 4, 旅游 6,
# 宗教 7, 工会 8, 中央军委改革和编制办公室 A, 农业 N). The standard leaves their category codes to them,
# so only the department character is checked.
USCC_OTHER_DEPARTMENTS: frozenset[str] = frozenset("234678AN")


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters (which must be in the charset)."""
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(USCC_MODULUS - total % USCC_MODULUS) % USCC_MODULUS]


def _uscc_error(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_USCC, f"统一社会信用代码无效:{message}")


def normalise_uscc(raw: str) -> str:
    """Return the canonical 18-character 统一社会信用代码, or raise INVALID_USCC naming the defect."""
    value = (raw or "").strip().upper()
    if len(value) != USCC_LENGTH:
        raise _uscc_error(f"应为{USCC_LENGTH}位,实际为{len(value)}位")
    bad = sorted({ch for ch in value if ch not in USCC_CHARSET})
    if bad:
        raise _uscc_error(f"含有不允许的字符“{''.join(bad)}”(不使用 I、O、S、V、Z)")
    department, category = value[0], value[1]
    if department in USCC_CATEGORIES:
        if category not in USCC_CATEGORIES[department]:
            raise _uscc_error(f"登记管理部门“{department}”下没有机构类别“{category}”")
    elif department not in USCC_OTHER_DEPARTMENTS:
        raise _uscc_error(f"登记管理部门代码“{department}”不存在")
    if not value[2:8].isdigit():
        raise _uscc_error("第3至8位登记管理机关行政区划码应为数字")
    if value[17] != uscc_check_char(value[:17]):
        raise _uscc_error("校验码不正确,请核对代码")
    return value
