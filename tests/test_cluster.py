"""Near-duplicate grouping: claims join the cluster with the closest centroid within their
partition, conflicting details (years, months, figures, countries) found new clusters while an
agreeing detail lowers the bar, language centring brings translations together, and the
clustering evaluation scores pairs."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from claimwatch.evaluation.clustering import GroupedSentence, pair_report
from claimwatch.models import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.cluster import ClusterIndex, Linkage, number_signature, numbers_compatible
from claimwatch.pipeline.details import claim_details, conflicts


def unit(*values: float) -> NDArray[np.float32]:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_number_signature_ignores_thousands_separators() -> None:
    same = {"500000", "2024"}
    assert number_signature("500.000 visitors in 2024") == same
    assert number_signature("500,000 visiteurs en 2024") == same
    assert number_signature("500 000 visiteurs en 2024") == same
    assert number_signature("500\u202f000 visiteurs en 2024") == same
    assert number_signature("3,5 % en 2024") == {"35", "2024"}
    assert number_signature("no numbers") == frozenset()
    assert numbers_compatible(frozenset({"30"}), frozenset()) is True
    assert numbers_compatible(frozenset({"30"}), frozenset({"90"})) is False


def test_joins_existing_cluster_in_same_partition_only() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [7], [None], [frozenset()])
    near = np.stack([unit(1, 0.05), unit(1, 0.05), unit(0, 1)])
    result = index.assign(near, ["a", "b", "c"], [None, 3, None], lambda _p: 0.95)
    assert result[0].cluster_id == 7 and result[0].similarity is not None
    assert result[0].similarity > 0.99
    assert result[1].cluster_id is None and result[1].new_group == 0  # other partition
    assert result[2].cluster_id is None and result[2].new_group == 1


def test_contradicting_numbers_found_a_new_cluster() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [1], [None], [number_signature("visa-free stay of 30 days")])
    result = index.assign(
        np.stack([unit(1, 0), unit(1, 0)]),
        ["stay of 90 days", "stay of 30 days"],
        [None, None],
        lambda _p: 0.9,
    )
    assert result[0].cluster_id is None and result[1].cluster_id == 1


def test_dates_figures_and_countries_read_alike_in_three_languages() -> None:
    en = claim_details("Tokyo and Hanoi set up ties on 21 September 1973, with 160,000 guests.")
    fr = claim_details(
        "Le Japon et le Vietnam ont noué des relations le 21 septembre 1973 (160 000)."
    )
    vi = claim_details("Ngày 21/9/1973, Nhật Bản và Việt Nam thiết lập quan hệ với 160.000 khách.")
    for details in (en, fr, vi):
        assert details.years == {"1973"} and details.months == {9}
        assert details.figures == {"160000"}  # the day of the date is not a figure
        assert details.entities == {"jp", "vn"}
        assert not conflicts(en, details)
    tháng = claim_details("Tháng 3/2018, tàu sân bay USS Carl Vinson cập cảng Đà Nẵng.")
    assert tháng.years == {"2018"} and tháng.months == {3} and tháng.figures == frozenset()
    assert tháng.places == {"danang"} and tháng.entities == frozenset()  # "USS" is not "US"


def test_details_conflict_only_when_both_state_different_values() -> None:
    us = claim_details("Vietnam and the United States upgraded ties in September 2023.")
    japan = claim_details("Vietnam and Japan upgraded ties in November 2023.")
    assert conflicts(us, japan) == ["months", "entities"]
    assert conflicts(us, claim_details("Hà Nội và Washington nâng cấp quan hệ.")) == []
    assert conflicts(us, claim_details("Ties were upgraded in 2024.")) == ["years"]
    six = claim_details("About 6 million Vietnamese live in more than 130 countries.")
    assert conflicts(six, claim_details("Some 5.3 million live in more than 130 countries.")) == [
        "figures"
    ]
    assert conflicts(six, claim_details("Around 6 million overseas Vietnamese.")) == []
    dollars = claim_details("Remittances reached 16 billion US dollars in 2023.")
    assert dollars.entities == frozenset()  # a currency names no actor


def test_conflicting_details_found_a_new_cluster_even_when_close() -> None:
    index = ClusterIndex(dimension=2)
    texts = [
        "Vietnam received 16 billion dollars in remittances in 2023.",
        "Le Vietnam a reçu 19 milliards de dollars de transferts de fonds en 2023.",
        "Việt Nam nhận 16 tỷ USD kiều hối năm 2023.",
    ]
    result = index.assign(np.stack([unit(1, 0)] * 3), texts, [None] * 3, lambda _p: 0.9)
    assert [r.new_group for r in result] == [0, 1, 0]


def test_every_member_must_agree_unless_asked_otherwise() -> None:
    texts = [
        "Vietnam and Japan held talks.",
        "Vietnam held talks.",
        "Vietnam and China held talks.",
    ]
    vectors = np.stack([unit(1, 0)] * 3)
    every = ClusterIndex(2).assign(vectors, texts, [None] * 3, lambda _p: 0.9)
    assert [r.new_group for r in every] == [0, 0, 1]
    one = ClusterIndex(2, Linkage(all_members=False)).assign(
        vectors, texts, [None] * 3, lambda _p: 0.9
    )
    assert [r.new_group for r in one] == [0, 0, 0]  # agrees with "Vietnam held talks."


def test_an_agreeing_month_or_figure_lowers_the_bar() -> None:
    def joins(text: str, cosine: float) -> bool:
        index = ClusterIndex(dimension=2, linkage=Linkage(agreement_bonus=0.1))
        index.add(np.stack([unit(1, 0)]), [5], [None], [claim_details("45 days from March 2025")])
        vector = unit(cosine, np.sqrt(1 - cosine**2))
        return index.assign(vector[None, :], [text], [None], lambda _p: 0.9)[0].cluster_id == 5

    assert joins("a stay", 0.91) and not joins("a stay", 0.85)  # no agreeing kind: needs 0.90
    assert joins("a stay of 45 days", 0.85) and not joins("a stay of 45 days", 0.75)  # 0.80
    assert joins("từ tháng 3/2025, 45 ngày", 0.75)  # month and figure agree: needs 0.70
    assert not joins("from March 2025, 90 days", 0.99)  # a conflicting figure never joins


def test_members_known_by_numbers_alone_are_checked_on_numbers() -> None:
    index = ClusterIndex(dimension=2)
    index.add(np.stack([unit(1, 0)]), [3], [None], [number_signature("Japan, 2023")])
    result = index.assign(
        np.stack([unit(1, 0)] * 2),
        ["China, 2023", "China, 2024"],
        [None] * 2,
        lambda _p: 0.9,
    )
    assert result[0].cluster_id == 3 and result[1].cluster_id is None


def test_centroid_linkage_does_not_chain() -> None:
    """Each step is close to the last, but the run drifts away from the first claim."""
    index = ClusterIndex(dimension=2)
    steps = np.stack([unit(np.cos(a), np.sin(a)) for a in np.radians([0, 20, 40, 60, 80])])
    result = index.assign(steps, list("abcde"), [None] * 5, lambda _p: 0.9)
    groups = [r.new_group for r in result]
    assert groups[0] == groups[1] and len(set(groups)) >= 2  # single linkage would make one


def test_new_clusters_of_two_batches_never_collide() -> None:
    index = ClusterIndex(dimension=2)
    first = index.assign(np.stack([unit(1, 0)]), ["a"], [None], lambda _p: 0.99)
    second = index.assign(np.stack([unit(0, 1)]), ["b"], [None], lambda _p: 0.99)
    assert first[0].new_group != second[0].new_group


def test_centring_brings_translations_closer_than_same_language_neighbours(
    embedder: Embedder,
) -> None:
    texts = [
        "Vietnam has secretly signed a military alliance with the United States.",
        "Việt Nam đã bí mật ký liên minh quân sự với Hoa Kỳ.",
        "Vietnam and Laos opened a new border gate for trade.",
        "Việt Nam và Lào khai trương cửa khẩu mới để giao thương.",
    ]
    languages = ["en", "vi", "en", "vi"]
    raw = embedder.embed_queries(texts)
    centring = LanguageCentring.fit(raw, languages)
    centred = centring.apply(raw, languages)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    gap_raw = raw[0] @ raw[1] - raw[0] @ raw[2]
    gap_centred = centred[0] @ centred[1] - centred[0] @ centred[2]
    assert gap_centred > gap_raw and gap_centred > 0
    assert np.allclose(centring.apply(raw[:1], ["de"]), centring.apply(raw[:1], [None]))


def test_pair_report_counts_pairs_and_cross_language_recall() -> None:
    sentences = [
        GroupedSentence("1", "g1", "test", "en", "a"),
        GroupedSentence("2", "g1", "test", "fr", "b"),
        GroupedSentence("3", "g1", "test", "en", "c"),
        GroupedSentence("4", "g2", "test", "vi", "d"),
    ]
    report = pair_report(sentences, [0, 0, 1, 1])
    assert report["pairs.precision"] == 0.5  # (1,2) right, (3,4) wrong
    assert report["pairs.recall"] == round(1 / 3, 4)
    assert report["cross_language.recall"] == 0.5  # (1,2) joined, (2,3) not
