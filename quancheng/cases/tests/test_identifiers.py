"""GEN-11: the party's 居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) are checked."""

from __future__ import annotations

from datetime import date

import pytest

from quancheng.cases import identifiers
from quancheng.core.errors import DomainError, ErrorCode

from .helpers import VALID_ID_NUMBER, VALID_ID_NUMBER_2, VALID_USCC, VALID_USCC_2

TODAY = date(2026, 6, 1)


def _mod11_2_residue(number: str) -> int:
    """ISO 7064 MOD 11-2 as the standard defines it: Σ aᵢ·2^(i-1) over all 18 characters, counted from the
    right with X = 10, is ≡ 1 (mod 11) for a valid number. Independent of the weight table under test."""
    values = [10 if ch == "X" else int(ch) for ch in reversed(number)]
    return sum(value * 2**i for i, value in enumerate(values)) % 11


def _mod31_residue(code: str) -> int:
    """GB 32100-2015: Σ value·3^(i-1) over the first 17 characters plus the check value is ≡ 0 (mod 31)."""
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = sum(charset.index(ch) * 3**i for i, ch in enumerate(code[:17]))
    return (body + charset.index(code[17])) % 31


VALID_IDS = [
    VALID_ID_NUMBER,
    VALID_ID_NUMBER_2,
    "330106200002290010",  # born on 29 February of a leap year
    "370202198511071235",
    "530112199001010020",
    "110101202606010012",  # born today
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_id_numbers_pass_and_satisfy_the_standard_congruence(number: str) -> None:
    # when
    result = identifiers.normalise_id_number(number, today=TODAY)
    # then
    assert result == number
    assert _mod11_2_residue(number) == 1


def test_id_check_of_the_standard_example_worked_by_hand() -> None:
    """1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → 'X'."""
    assert identifiers.id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 11010519491231002x ", "11010519491231002X"),  # stripped, lower-case x accepted
        ("440524188001010014\n", "440524188001010014"),
    ],
)
def test_id_numbers_are_normalised(raw: str, expected: str) -> None:
    assert identifiers.normalise_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "应为18位"),
        ("11010519491231002", "应为18位"),  # 17 characters
        ("11010519491231002X1", "应为18位"),  # 19 characters
        ("1101051949123100AX", "前17位只能是数字"),
        ("１10105194912310021", "前17位只能是数字"),  # full-width digit
        ("11010519491231002Y", "第18位只能是数字或X"),
        ("110105194912310021", "校验码不正确"),  # right shape, wrong check digit
        ("110105194912310122", "校验码不正确"),  # one digit transposed
        ("000101198001010015", "地址码"),  # check digit right, no such province
        ("110101190002290011", "不是真实日期"),  # 1900 was not a leap year (check digit right)
        ("110101198013010018", "不是真实日期"),  # month 13 (check digit right)
        ("110101209912310015", "晚于今天"),  # born in the future (check digit right)
        ("110101202606020018", "晚于今天"),  # born tomorrow (check digit right)
    ],
)
def test_invalid_id_numbers_are_refused_with_the_reason(number: str, reason: str) -> None:
    # when
    with pytest.raises(DomainError) as err:
        identifiers.normalise_id_number(number, today=TODAY)
    # then
    assert err.value.code == ErrorCode.INVALID_ID_NUMBER
    assert reason in err.value.message


VALID_USCCS = [
    VALID_USCC,
    VALID_USCC_2,
    "92440300L12345678R",  # 工商 · 个体工商户
    "52100000500012345Y",  # 民政 · 民办非企业单位, central registration (100000)
    "121000004000000124",  # 机构编制 · 事业单位
    "Y1110000MA0000001Y",  # 其他
    "31110000E12345678Y",  # 司法行政 (a department added after the standard)
    "N2330106MA2K000013",  # 农业 · 村级集体经济组织
]


@pytest.mark.parametrize("code", VALID_USCCS)
def test_valid_usccs_pass_and_satisfy_the_standard_congruence(code: str) -> None:
    # when
    result = identifiers.normalise_uscc(code)
    # then
    assert result == code
    assert _mod31_residue(code) == 0


def test_uscc_check_of_the_example_worked_by_hand() -> None:
    """9·1+1·3+3·9+5·27+0·19+1·26+0·16+0·17+M(21)·20+0·29+0·25+0·13+1·8+0·24+0·10+Y(30)·30+4·28 = 1640;
    1640 mod 31 = 28; 31 - 28 = 3 → '3'."""
    assert identifiers.uscc_check_char("91350100M000100Y4") == "3"


def test_uscc_is_normalised() -> None:
    assert identifiers.normalise_uscc("  91350100m000100y43 ") == VALID_USCC


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "应为18位"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y433", "应为18位"),
        ("91350100M000100I43", "不允许的字符"),  # I is not in the code's character set
        ("91350100O000100Y43", "不允许的字符"),  # nor O
        ("91350100M000100Y4-", "不允许的字符"),
        ("91350100M000100Y44", "校验码不正确"),  # wrong check character
        ("91350100M000010Y43", "校验码不正确"),  # two characters swapped
        ("941000001234567898", "机构类别"),  # 工商 has no category 4
        ("B1100000123456789X", "登记管理部门代码"),  # no department B
        ("9135A100M000100Y43", "行政区划码"),  # letters in the region code
    ],
)
def test_invalid_usccs_are_refused_with_the_reason(code: str, reason: str) -> None:
    # when
    with pytest.raises(DomainError) as err:
        identifiers.normalise_uscc(code)
    # then
    assert err.value.code == ErrorCode.INVALID_USCC
    assert reason in err.value.message


def test_non_string_like_none_is_refused_not_crashing() -> None:
    with pytest.raises(DomainError) as err:
        identifiers.normalise_uscc(None)  # type: ignore[arg-type]
    assert err.value.code == ErrorCode.INVALID_USCC
