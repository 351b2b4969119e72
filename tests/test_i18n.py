"""Every user-visible message is translated into zh_CN and en, and requests get the language they ask for."""

from __future__ import annotations

from huitong.engine.i18n import gettext, negotiate, use_locale
from scripts.i18n import find_problems, placeholder_problem


def test_every_message_is_translated_in_every_catalog() -> None:
    # The same check as `python -m scripts.i18n check`; on failure run `python -m scripts.i18n update`,
    # translate the listed messages in huitong/locale/zh_CN/LC_MESSAGES/messages.po, and see docs/i18n.md.
    assert find_problems() == []


def test_gettext_answers_in_chinese_under_zh_cn() -> None:
    with use_locale("zh_CN"):
        assert gettext("This field is required.") == "此字段为必填项。"
        assert gettext("There is no field %(field)s.") % {"field": "x_serial"} == "不存在字段 x_serial。"


def test_gettext_answers_in_english_under_en() -> None:
    with use_locale("en"):
        assert gettext("This field is required.") == "This field is required."
        assert gettext("There is no field %(field)s.") % {"field": "x_serial"} == "There is no field x_serial."


def test_negotiate_reads_any_chinese_as_zh_cn() -> None:
    assert negotiate("zh-CN,zh;q=0.9") == "zh_CN"
    assert negotiate("zh-TW") == "zh_CN"


def test_negotiate_falls_back_to_english() -> None:
    assert negotiate("en-US") == "en"
    assert negotiate("fr") == "en"
    assert negotiate("") == "en"


def test_the_check_catches_a_translation_that_would_lose_or_break_a_placeholder() -> None:
    assert placeholder_problem("There is no field %(field)s.", "不存在字段 %(field)s。") is None
    assert placeholder_problem("There is no field %(field)s.", "不存在字段。") == (
        "placeholders differ: the message has ['%(field)s'], the translation has []"
    )
    assert placeholder_problem("There is no field %(field)s.", "字段 %(field)s 100% 不存在。") == (
        "the translation has a % that is not a placeholder (write %% for a percent sign)"
    )
