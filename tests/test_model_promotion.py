"""Retrained heads become current only if they are not worse on held-out data: mislabelled
decisions are refused, good ones promoted, every version is kept and can be restored, and an
unknown version is a one-line error. Real model, real SQLite."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.cli.models import comparison_table
from claimwatch.errors import ModelError
from claimwatch.flows.training import (
    HELD_OUT_PERCENT,
    HeadsFigures,
    gate,
    is_held_out,
    list_versions,
    retrain,
    rollback,
    sentence_heads,
)
from claimwatch.models import Embedder
from claimwatch.models.heads import (
    current_version,
    head_by_version,
    pair_id,
    read_history,
    record_event,
    save_head,
)
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.review.queue import decide, upsert_item
from claimwatch.settings import Settings
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, Source

# Off topic (Vietnamese domestic news, other countries' affairs), wrongly decided "misleading",
# which labels them on topic.
MISLABELLED = [
    "Le prix de l'essence a augmenté de 5 % à Hô Chi Minh-Ville en mars.",
    "La ville de Đà Nẵng a ouvert un nouveau pont piétonnier sur la rivière Hàn.",
    "L'équipe de football de Hanoï a remporté le championnat national en 2024.",
    "Le gouvernement vietnamien a relevé l'âge de la retraite à 62 ans pour les hommes.",
    "La Thaïlande et le Cambodge ont signé un accord sur la pêche dans le golfe.",
    "Le Brésil a augmenté ses exportations de soja vers l'Argentine en 2024.",
    "De fortes pluies ont inondé plusieurs rues de Huế la semaine dernière.",
    "Le ministère de l'Éducation a modifié le programme de mathématiques des lycées vietnamiens.",
    "Un nouveau centre commercial a ouvert ses portes dans le district 7 de Saïgon.",
    "La production de café du Đắk Lắk a atteint un record cette année.",
]
MISLABELLED_EN = [
    "Petrol prices rose by 5% in Ho Chi Minh City in March.",
    "Da Nang opened a new pedestrian bridge over the Han River.",
    "Hanoi's football club won the national championship in 2024.",
    "The government raised the retirement age for men to 62.",
    "Thailand and Cambodia signed an agreement on fishing in the gulf.",
    "Brazil increased its soybean exports to Argentina in 2024.",
    "Heavy rain flooded several streets in Hue last week.",
    "The education ministry changed the mathematics curriculum of Vietnamese high schools.",
    "A new shopping mall opened in District 7 of Saigon.",
    "Coffee production in Dak Lak reached a record this year.",
]
ON_TOPIC = [
    "Le Vietnam et le Japon ont signé un accord de coopération en matière de défense à Tokyo.",
    "Le Premier ministre vietnamien a rencontré le président français à l'Élysée en octobre.",
    "Le Vietnam a exempté de visa les citoyens de douze pays européens jusqu'en 2028.",
    "L'Association d'amitié Vietnam-France a organisé un festival culturel à Hanoï.",
    "Le Vietnam et l'Australie ont élevé leurs relations au rang de partenariat stratégique global.",
]
ON_TOPIC_EN = [
    "Vietnam and Japan signed a defence cooperation agreement in Tokyo.",
    "Vietnam's prime minister met the French president at the Élysée in October.",
    "Vietnam exempted citizens of twelve European countries from visas until 2028.",
    "The Vietnam-France Friendship Association held a cultural festival in Hanoi.",
    "Vietnam and Australia upgraded their ties to a comprehensive strategic partnership.",
]
CLI = "from claimwatch.cli import main; main()"
OFF_TOPIC = MISLABELLED[:1] + MISLABELLED[2:4] + MISLABELLED[5:7]


def decided(session: Session, rows: list[tuple[str, str]], language: str = "fr") -> None:
    """One cluster, claim and queue item per text, decided as given."""
    source = Source(name=f"courrier-{language}", kind="feed", url=f"https://{language}.example/")
    session.add(source)
    for text, decision in rows:
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
        session.add_all([article, cluster])
        session.add(
            Claim(
                article=article,
                cluster=cluster,
                position=0,
                text=text,
                language=language,
                checkworthiness=0.9,
            )
        )
        session.flush()
        upsert_item(
            session,
            cluster=cluster,
            flag_score=0.9,
            priority=0.9,
            explanation={"claim": text},
            model_version="m",
            narrative_id=None,
            suggestions=[],
        )
        item = session.scalars(select(QueueItem).where(QueueItem.cluster_id == cluster.id)).one()
        decide(session, item.id, decision, actor="reviewer")


@pytest.fixture
def baseline(settings: Settings, heads: SentenceHeads) -> SentenceHeads:
    """The seed-trained heads (trained once per session) as this data directory's current."""
    save_head(heads.topic, settings.resolved_heads_dir)
    save_head(heads.checkworthy, settings.resolved_heads_dir)
    return heads


def render(table: object) -> str:
    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def current_pair(settings: Settings) -> tuple[str | None, str | None]:
    directory = settings.resolved_heads_dir
    return current_version(directory, "topic"), current_version(directory, "checkworthy")


def test_mislabelled_decisions_are_refused_and_the_current_heads_stay(
    session: Session, settings: Settings, embedder: Embedder, baseline: SentenceHeads
) -> None:
    # a reviewer who has it backwards: off-topic news decided misleading, relations decided
    # out of scope
    decided(
        session, [(t, "misleading") for t in MISLABELLED] + [(t, "out_of_scope") for t in ON_TOPIC]
    )
    wrong_en = [(t, "misleading") for t in MISLABELLED_EN] + [
        (t, "out_of_scope") for t in ON_TOPIC_EN
    ]
    decided(session, wrong_en, language="en")
    result = retrain(settings, session, embedder, actor="desk")

    assert not result.promoted, (result.before.bundled, result.after.bundled)
    fallen = [r for r in result.verdict.reasons if r.startswith("topic F1 (")]
    assert fallen, result.verdict.reasons
    language = fallen[0][len("topic F1 (") :][:2]
    before = result.before.bundled[f"topic.{language}.f1"]
    after = result.after.bundled[f"topic.{language}.f1"]
    assert after < before - settings.heads_promotion_tolerance
    assert current_pair(settings) == (baseline.topic.version, baseline.checkworthy.version)
    assert sentence_heads(settings, embedder).versions == baseline.versions
    # the refused candidates are kept, and the refusal is logged with its reason
    assert head_by_version(settings.resolved_heads_dir, result.topic.version) == result.topic
    last = read_history(settings.resolved_heads_dir)[-1]
    assert (last.event, last.actor, last.topic) == ("refused", "desk", result.topic.version)
    assert fallen[0] in last.reason
    table = render(comparison_table(result))
    row = next(line for line in table.splitlines() if "topic" in line and f" {language} " in line)
    assert "▼" in row and f"{after:.3f}" in row


def test_good_decisions_are_promoted_and_rollback_restores_earlier_versions(
    session: Session, settings: Settings, embedder: Embedder, baseline: SentenceHeads
) -> None:
    rows = [(t, "misleading") for t in ON_TOPIC] + [(t, "out_of_scope") for t in OFF_TOPIC]
    decided(session, rows)
    result = retrain(settings, session, embedder)

    assert result.promoted, result.verdict.reasons
    held = [t for t, _ in rows if is_held_out(t)]
    assert result.held_out_decisions == len(held) and result.from_decisions == len(rows) - len(held)
    assert result.topic.trained_on["sources"]["decision"] == result.from_decisions
    promoted = (result.topic.version, result.checkworthy.version)
    assert current_pair(settings) == promoted
    assert sentence_heads(settings, embedder).versions == {
        "topic": promoted[0],
        "checkworthy": promoted[1],
    }

    versions = {v.id: v for v in list_versions(settings.resolved_heads_dir)}
    old_id, new_id = pair_id(*baseline.versions.values()), pair_id(*promoted)
    assert versions[new_id].current and not versions[old_id].current
    assert versions[new_id].figures["bundled"]["topic.fr.f1"] == result.after.bundled["topic.fr.f1"]

    assert rollback(settings, actor="desk").id == old_id  # default: the previous version
    assert current_pair(settings) == (baseline.topic.version, baseline.checkworthy.version)
    assert sentence_heads(settings, embedder).versions == baseline.versions
    assert rollback(settings).id == new_id  # and back again
    assert rollback(settings, baseline.topic.version).id == old_id  # by either head's version
    events = read_history(settings.resolved_heads_dir)
    assert [e.event for e in events] == ["baseline", "promoted", "rollback", "rollback", "rollback"]
    assert events[2].actor == "desk" and events[2].reason == f"restored from {new_id}"

    listing = CliRunner().invoke(app, ["models", "heads"])
    assert listing.exit_code == 0, listing.output
    current_row = next(line for line in listing.output.splitlines() if "current" in line)
    assert old_id in current_row and new_id in listing.output
    restored = CliRunner().invoke(app, ["models", "rollback", new_id])
    assert restored.exit_code == 0 and f"Current: {new_id}" in restored.output
    assert current_pair(settings) == promoted


def test_rolling_back_to_an_unknown_version_is_a_clear_error(
    settings: Settings, heads: SentenceHeads
) -> None:
    with pytest.raises(ModelError, match="no earlier version"):
        rollback(settings)
    save_head(heads.topic, settings.resolved_heads_dir)
    save_head(heads.checkworthy, settings.resolved_heads_dir)
    record_event(
        settings.resolved_heads_dir,
        "baseline",
        heads.topic,
        heads.checkworthy,
        actor="claimwatch",
        reason="test",
    )
    known = pair_id(heads.topic.version, heads.checkworthy.version)
    result = subprocess.run(
        [sys.executable, "-c", CLI, "models", "rollback", "heads-0000000000"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: unknown heads version 'heads-0000000000' (known: {known})"
    )
    assert current_pair(settings) == (heads.topic.version, heads.checkworthy.version)


def figures(topic_fr: float, agreement: float, held: int) -> HeadsFigures:
    bundled = {"topic.fr.f1": topic_fr, "checkworthy.fr.f1": 0.95, "topic.all.f1": topic_fr}
    decisions = {"n": float(held), "topic.agreement": agreement, "checkworthy.agreement": 1.0}
    return HeadsFigures(bundled=bundled, decisions=decisions)


def test_the_gate_allows_the_tolerance_and_counts_decisions_only_when_enough() -> None:
    current = figures(0.90, 0.8, 12)
    assert gate(current, figures(0.891, 0.8, 12), tolerance=0.01, min_decisions=10).promote
    refused = gate(current, figures(0.885, 0.9, 12), tolerance=0.01, min_decisions=10)
    assert not refused.promote and refused.reasons == [
        "topic F1 (fr) on the held-out sentences would fall from 0.900 to 0.885 (tolerance 0.010)"
    ]
    fewer = gate(current, figures(0.90, 0.7, 12), tolerance=0.01, min_decisions=10)
    assert not fewer.promote and "agreement with the 12 held-out decisions" in fewer.reasons[0]
    assert gate(
        figures(0.90, 0.8, 5), figures(0.90, 0.4, 5), tolerance=0.01, min_decisions=10
    ).promote


def test_a_fixed_share_of_decisions_is_held_out_by_text() -> None:
    texts = [f"Claim number {i} about a visit." for i in range(2000)]
    share = sum(map(is_held_out, texts)) / len(texts)
    assert abs(share - HELD_OUT_PERCENT / 100) < 0.03
    assert [is_held_out(t) for t in texts[:50]] == [is_held_out(t) for t in texts[:50]]
