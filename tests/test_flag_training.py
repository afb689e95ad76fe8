"""Refitting the flag from reviewers' decisions: decisions become the right examples, a refit
that would flag corrections is refused, one that is not worse is promoted, every version is kept
and can be restored. Real model, real SQLite, the bundled retrieval set."""

from __future__ import annotations

import hashlib

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.cli.flag_tables import flag_comparison_table
from claimwatch.errors import ModelError
from claimwatch.flows.flag_training import (
    FlagFigures,
    flag_cases_from_decisions,
    flag_gate,
    list_flag_versions,
    read_flag_history,
    retrain_flag,
    rollback_flag,
)
from claimwatch.flows.training import is_held_out
from claimwatch.models import Embedder
from claimwatch.pipeline.flag_model import (
    BUNDLED_FILE,
    current_flag_version,
    load_flag_model,
    read_model,
)
from claimwatch.rebuttals.library import SEED_FILE, import_library
from claimwatch.rebuttals.library_file import read_library_file
from claimwatch.review.promote import promote
from claimwatch.review.queue import decide, upsert_item
from claimwatch.settings import Settings
from claimwatch.store.schema import Article, Claim, Cluster, Narrative, QueueItem, Source

# Repeats of each narrative in new words, decided "misleading" by a reviewer who has it right.
REPEATS = [
    ("military-alliance", "Vietnam has quietly become a US treaty ally, insiders say."),
    (
        "military-alliance",
        "American warships will be based permanently at Cam Ranh under a secret pact.",
    ),
    ("military-alliance", "Hà Nội đã ký hiệp ước liên minh quân sự bí mật với Mỹ."),
    ("asean-exit", "Hanoi is preparing to walk out of ASEAN by the end of the year."),
    ("asean-exit", "Le Vietnam s'apprête à claquer la porte de l'ASEAN."),
    ("asean-exit", "Việt Nam sắp rút khỏi khối ASEAN, theo một nguồn tin."),
    ("evisa-restrictions", "Vietnam has stopped issuing e-visas to Europeans."),
    (
        "evisa-restrictions",
        "Les Européens ne peuvent plus obtenir de visa électronique pour le Vietnam.",
    ),
    ("evisa-restrictions", "Việt Nam ngừng cấp thị thực điện tử cho khách châu Âu."),
    ("france-relations-frozen", "France has frozen all relations with Vietnam."),
    ("france-relations-frozen", "Paris a gelé toutes ses relations avec Hanoï."),
    ("france-relations-frozen", "Pháp đã đóng băng mọi quan hệ với Việt Nam."),
    ("overseas-vietnamese-property", "Vietnam will seize the houses of overseas Vietnamese."),
    (
        "overseas-vietnamese-property",
        "Hanoï va confisquer les maisons des Vietnamiens de l'étranger.",
    ),
    ("overseas-vietnamese-property", "Nhà nước sẽ tịch thu nhà của Việt kiều."),
]

# Statements of each narrative's correction, or plain facts about the same actors, that a
# reviewer who has it backwards decided "misleading" on the repeat lane.
BACKWARDS = [
    ("military-alliance", "Vietnam's four-no policy rules out joining any military alliance."),
    ("military-alliance", "Hanoi has signed no defence treaty with Washington, officials said."),
    ("military-alliance", "No foreign country has a military base on Vietnamese soil."),
    ("military-alliance", "The 2023 upgrade with the United States is a partnership, not a pact."),
    ("military-alliance", "Le Vietnam n'a rejoint aucune alliance militaire, rappelle Hanoï."),
    ("military-alliance", "Hà Nội khẳng định không liên minh quân sự với bất kỳ nước nào."),
    ("asean-exit", "Vietnam remains a full member of ASEAN and attends every summit."),
    ("asean-exit", "Hanoi has never announced any plan to leave ASEAN."),
    ("asean-exit", "Vietnam will host an ASEAN ministers' meeting next year."),
    ("asean-exit", "Le Vietnam reste membre de l'ASEAN et n'a pas l'intention d'en sortir."),
    ("asean-exit", "Việt Nam vẫn là thành viên tích cực của ASEAN, Bộ Ngoại giao cho biết."),
    ("asean-exit", "Vietnam joined ASEAN in 1995 and chaired the bloc in 2020."),
    ("evisa-restrictions", "Vietnam's e-visa is open to citizens of every country."),
    ("evisa-restrictions", "Since 2023 Vietnam's e-visa allows stays of up to 90 days."),
    ("evisa-restrictions", "No nationality has been barred from Vietnam's e-visa scheme."),
    (
        "evisa-restrictions",
        "Le visa électronique vietnamien reste ouvert à toutes les nationalités.",
    ),
    ("evisa-restrictions", "Thị thực điện tử của Việt Nam áp dụng cho công dân mọi quốc gia."),
    ("evisa-restrictions", "Tourists can apply for Vietnam's e-visa online in a few minutes."),
    ("france-relations-frozen", "Paris and Hanoi held their annual strategic dialogue in June."),
    (
        "france-relations-frozen",
        "France and Vietnam upgraded their ties to a comprehensive partnership.",
    ),
    (
        "france-relations-frozen",
        "Les relations franco-vietnamiennes restent excellentes, dit Paris.",
    ),
    ("france-relations-frozen", "Quan hệ Việt Nam - Pháp vẫn phát triển tốt đẹp."),
    ("france-relations-frozen", "The French embassy in Hanoi is open and issuing visas as usual."),
    ("france-relations-frozen", "Air France still flies daily between Paris and Hanoi."),
    (
        "overseas-vietnamese-property",
        "Overseas Vietnamese with Vietnamese nationality may own homes.",
    ),
    (
        "overseas-vietnamese-property",
        "The 2024 Land Law widened overseas Vietnamese land-use rights.",
    ),
    ("overseas-vietnamese-property", "Việt kiều vẫn được sở hữu nhà ở tại Việt Nam theo luật mới."),
    (
        "overseas-vietnamese-property",
        "Les Vietnamiens de l'étranger peuvent toujours acheter un logement.",
    ),
    ("overseas-vietnamese-property", "No law confiscates homes owned by Vietnamese living abroad."),
    (
        "overseas-vietnamese-property",
        "Overseas Vietnamese buyers registered record home purchases in 2024.",
    ),
]


def seeded(session: Session) -> dict[str, int]:
    """The seed library in the database; narrative ids by slug."""
    import_library(session, read_library_file(SEED_FILE), actor="test")
    session.flush()
    return {n.slug: n.id for n in session.scalars(select(Narrative))}


def queued(
    session: Session, text: str, *, lane: str, narrative_id: int | None, language: str = "en"
) -> QueueItem:
    """One cluster of one claim, queued in ``lane``."""
    source = session.scalar(select(Source).where(Source.name == "courrier"))
    if source is None:
        source = Source(name="courrier", kind="feed", url="https://courrier.example/")
        session.add(source)
    digest = hashlib.sha256(text.encode()).hexdigest()
    article = Article(
        source=source,
        url=f"https://courrier.example/{digest[:12]}.html",
        content_hash=digest,
        title=text,
        text=text,
        language=language,
    )
    cluster = Cluster(outlets=["courrier"], languages=[language], occurrences=1)
    claim = Claim(
        article=article,
        cluster=cluster,
        position=0,
        text=text,
        language=language,
        checkworthiness=1,
    )
    session.add_all([article, cluster, claim])
    session.flush()
    upsert_item(
        session,
        cluster=cluster,
        flag_score=0.9,
        priority=0.9,
        explanation={"claim": text},
        model_version="m",
        narrative_id=narrative_id,
        suggestions=[],
        lane=lane,
    )
    return session.scalars(select(QueueItem).where(QueueItem.cluster_id == cluster.id)).one()


def language_of(text: str) -> str:
    if any(ch in text for ch in "ạảấầẩậắằẳặẹẻẽếềểệỉịọỏốồổộớờởợụủứừửựỳỵỷỹđ"):
        return "vi"
    return "fr" if any(w in text for w in (" le ", " la ", " les ", "Le ", "Les ")) else "en"


def test_decisions_become_examples_by_lane_and_decision(session: Session) -> None:
    ids = seeded(session)
    rows = [
        (
            "Vietnam will quit ASEAN next spring, a blogger claims.",
            "repeat",
            "asean-exit",
            "misleading",
        ),
        ("Vietnam remains in ASEAN.", "repeat", "asean-exit", "accurate"),
        ("Hanoi's metro carried a million riders.", "repeat", "asean-exit", "out_of_scope"),
        ("Japan has cancelled all aid to Vietnam.", "emerging", None, "misleading"),
        ("Vietnam's navy ordered new submarines.", "repeat", "military-alliance", "needs_expert"),
    ]
    for text, lane, slug, decision in rows:
        item = queued(session, text, lane=lane, narrative_id=ids[slug] if slug else None)
        decide(session, item.id, decision, actor="reviewer")
    promoted = queued(session, "Korea bans Vietnamese workers.", lane="emerging", narrative_id=None)
    promote(session, promoted.id, slug="korea-ban", title="Korea bans workers", actor="editor")
    decide(session, promoted.id, "misleading", actor="reviewer")
    queued(session, "Undecided claim about ASEAN.", lane="repeat", narrative_id=ids["asean-exit"])

    cases = {c.text: c for c in flag_cases_from_decisions(session)}
    assert set(cases) == {t for t, *_ in rows[:4]}
    assert (cases[rows[0][0]].kind, cases[rows[0][0]].narrative) == ("repeat", "asean-exit")
    assert all(cases[t].kind == "rejected" and cases[t].narrative is None for t, *_ in rows[1:4])
    assert all(c.split == ("test" if is_held_out(c.text) else "dev") for c in cases.values())


def seed_decisions(session: Session, rows: list[tuple[str, str, str]]) -> None:
    """``(narrative, text, decision)``: one decided repeat-lane item each."""
    ids = seeded(session)
    for slug, text, decision in rows:
        item = queued(
            session, text, lane="repeat", narrative_id=ids[slug], language=language_of(text)
        )
        decide(session, item.id, decision, actor="reviewer")


def seed_backwards_decisions(session: Session) -> None:
    seed_decisions(session, [(slug, text, "misleading") for slug, text in BACKWARDS])


def test_decisions_that_call_corrections_repeats_are_refused(
    session: Session, settings: Settings, embedder: Embedder
) -> None:
    bundled = read_model(BUNDLED_FILE)
    seed_backwards_decisions(session)
    result = retrain_flag(settings, session, embedder, actor="desk")

    assert result.from_decisions + result.held_out_decisions == len(BACKWARDS)
    assert not result.promoted and not result.unchanged, result.verdict.reasons
    assert any("would rise" in r or "would fall" in r for r in result.verdict.reasons)
    # the bundled model stays current, and the refused candidate is kept and logged
    directory = settings.resolved_flag_dir
    assert current_flag_version(directory) == bundled.version
    assert load_flag_model(embedder.version, directory).version == bundled.version
    assert (directory / f"{result.candidate.version}.json").is_file()
    events = read_flag_history(directory)
    assert [(e.event, e.version) for e in events] == [
        ("baseline", bundled.version),
        ("refused", result.candidate.version),
    ]
    assert events[-1].actor == "desk" and result.verdict.reasons[0] in events[-1].reason
    console = Console(width=160, record=True)
    console.print(flag_comparison_table(result))
    assert "▼" in console.export_text()


def test_a_refit_that_is_not_worse_is_promoted_and_rollback_restores_the_earlier_one(
    session: Session, settings: Settings, embedder: Embedder
) -> None:
    bundled = read_model(BUNDLED_FILE)
    seed_decisions(session, [(slug, text, "misleading") for slug, text in REPEATS])
    # 15 short repeats move the model enough to cost the test split a repeat or two of its 75
    # (and find all three held out): a desk that accepts that says so with the tolerance
    tolerant = settings.model_copy(update={"flag_promotion_tolerance": 0.05})
    result = retrain_flag(tolerant, session, embedder, actor="desk")
    assert result.promoted, result.verdict.reasons
    assert result.after.decisions["flag.recall"] >= result.before.decisions["flag.recall"]
    directory = settings.resolved_flag_dir
    assert load_flag_model(embedder.version, directory).version == result.candidate.version
    assert result.candidate.fitted_on["decisions"] == result.from_decisions

    versions = {v.version: v for v in list_flag_versions(directory)}
    assert versions[result.candidate.version].current
    assert versions[bundled.version].figures["bundled"] == result.before.bundled

    assert rollback_flag(settings, actor="desk").version == bundled.version
    assert load_flag_model(embedder.version, directory).version == bundled.version
    restored = CliRunner().invoke(app, ["models", "rollback", result.candidate.version])
    assert restored.exit_code == 0, restored.output
    assert load_flag_model(embedder.version, directory).version == result.candidate.version
    listing = CliRunner().invoke(app, ["models", "flag"])
    assert listing.exit_code == 0, listing.output
    current_row = next(line for line in listing.output.splitlines() if "current" in line)
    assert result.candidate.version in current_row
    with pytest.raises(ModelError, match="unknown flag model version 'flag-000000000000'"):
        rollback_flag(settings, "flag-000000000000", actor="desk")
    assert [e.event for e in read_flag_history(directory)] == [
        "baseline",
        "promoted",
        "rollback",
        "rollback",
    ]


def test_without_decisions_the_refit_is_the_current_model(
    session: Session, settings: Settings, embedder: Embedder
) -> None:
    seeded(session)
    result = retrain_flag(settings, session, embedder, actor="desk")
    assert result.unchanged and not result.promoted
    assert result.candidate.version == read_model(BUNDLED_FILE).version
    assert [e.event for e in read_flag_history(settings.resolved_flag_dir)] == [
        "baseline",
        "unchanged",
    ]


def figures(recall: float, corrections: float, held: int, held_recall: float) -> FlagFigures:
    return FlagFigures(
        bundled={"flag.recall": recall, "flag.false_rate.correction": corrections},
        decisions={"n": float(held), "flag.recall": held_recall},
    )


def test_the_gate_allows_the_tolerance_and_counts_decisions_only_when_enough() -> None:
    current = figures(0.80, 0.10, 12, 0.9)
    assert flag_gate(
        current, figures(0.79, 0.11, 12, 0.9), tolerance=0.02, min_decisions=10
    ).promote
    worse = flag_gate(current, figures(0.77, 0.13, 12, 0.8), tolerance=0.02, min_decisions=10)
    assert worse.reasons == [
        "repeat recall on the test split would fall from 0.800 to 0.770 (tolerance 0.020)",
        "the flag rate of correction claims on the test split would rise from 0.100 to 0.130 "
        "(tolerance 0.020)",
        "recall of the held-out repeats would fall from 0.900 to 0.800",
    ]
    few = flag_gate(current, figures(0.80, 0.10, 9, 0.5), tolerance=0.02, min_decisions=10)
    assert few.promote


def test_models_train_reports_the_flag_and_keeps_the_current_one_when_worse(
    session: Session, settings: Settings
) -> None:
    seed_backwards_decisions(session)
    session.commit()
    trained = CliRunner().invoke(app, ["models", "train"])
    assert trained.exit_code == 0, trained.output
    assert "Flag: refitted with" in trained.output
    assert "corrections flagged" in trained.output and "repeat threshold" in trained.output
    bundled = read_model(BUNDLED_FILE).version
    assert f"Kept the current flag {bundled}" in trained.output
    assert current_flag_version(settings.resolved_flag_dir) == bundled


def test_eval_retrieval_fit_keeps_the_fitted_model_as_current(settings: Settings) -> None:
    fitted = CliRunner().invoke(app, ["eval", "retrieval", "--fit"])
    assert fitted.exit_code == 0, fitted.output
    directory = settings.resolved_flag_dir
    version = current_flag_version(directory)
    assert version is not None and (directory / f"{version}.json").is_file()
    events = read_flag_history(directory)
    assert [(e.event, e.version) for e in events] == [("fitted", version)]
    assert "fitted on the 203 dev cases of eval_retrieval.jsonl" in events[0].reason
    assert "test.flag.recall" in fitted.output
