"""The one typed settings object. Every setting is an environment variable ``CLAIMWATCH_<NAME>``.

``docs/settings.md`` lists every field; a test keeps the two in step.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from claimwatch.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_data_dir() -> Path:
    return user_data_path("claimwatch", appauthor=False)


class Settings(BaseSettings):
    """claimwatch's configuration. Paths may be relative (to the working directory)."""

    model_config = SettingsConfigDict(env_prefix="CLAIMWATCH_", extra="ignore", frozen=True)

    # Where things live.
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Directory for the SQLite database, model cache and crawl state.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite at <data_dir>/claimwatch.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    sources_file: Path | None = Field(
        default=None,
        description="The sources TOML file; default ./sources.toml, else the one beside the code.",
    )
    models_dir: Path | None = Field(
        default=None, description="Cache of built models; default <data_dir>/models."
    )
    embedding_model_path: Path | None = Field(
        default=None,
        description="A sentence-transformers directory to use instead of the built "
        "multilingual-e5-small (it must follow E5's query:/passage: prompts).",
    )

    # Models.
    embed_device: str = Field(default="cpu", description="torch device for embedding: cpu, cuda.")
    embed_batch_size: int = Field(default=32, ge=1, le=4096, description="Sentences per batch.")
    torch_threads: int | None = Field(
        default=None, ge=1, description="torch intra-op threads; default: torch's own choice."
    )

    # Crawling.
    user_agent: str = Field(
        default="claimwatch/0.1 (news claim monitor; +https://github.com/claimwatch/claimwatch)",
        description="User-Agent sent with every request.",
    )
    http_timeout_s: float = Field(default=20.0, gt=0, description="Per-request timeout, seconds.")
    fetch_retries: int = Field(
        default=2, ge=0, le=10, description="Retries of a feed fetch after a transient error."
    )
    max_page_bytes: int = Field(
        default=2_000_000, ge=10_000, description="Pages and feeds larger than this are cut off."
    )
    download_delay_s: float = Field(
        default=0.5, ge=0, description="Delay between requests to one site (AutoThrottle's start)."
    )
    max_pages_per_run: int = Field(
        default=2000, ge=1, description="Page budget of one crawl, all sources together."
    )
    max_article_chars: int = Field(
        default=100_000, ge=1000, description="Extracted article text is capped at this length."
    )
    allow_private_hosts: bool = Field(
        default=False,
        description="Allow sources on loopback/private addresses (the demo turns this on).",
    )

    # Claim analysis. Scores are in [0, 1]; see docs/pipeline.md for what each means.
    checkworthy_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Minimum check-worthiness for a sentence to be a claim; unset: the "
        "check-worthiness head's threshold, calibrated per language.",
    )
    topic_threshold: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Minimum topic relevance for a claim to be matched and clustered; unset: the "
        "topic head's threshold, calibrated per language.",
    )
    flag_threshold: float = Field(
        default=0.5, ge=0, le=1, description="Minimum flag score for a cluster to be queued."
    )
    cluster_similarity: float = Field(
        default=0.47,
        ge=0,
        le=1,
        description="Cosine (language-centred embeddings, to a cluster's centroid) at which a "
        "claim whose details agree joins a cluster, 0.10 lower per agreeing month or figure; "
        "0.47 is the best pair F1 on the bundled cluster set's dev split.",
    )
    narrative_cluster_similarity: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="The same for claims repeating one narrative (the match already vouches "
        "that they tell the same story; not measured on the cluster set).",
    )
    analysis_batch_articles: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Articles analysed per transaction: their claims, matches, clusters and queue "
        "items commit together, so a killed run redoes at most one batch.",
    )
    max_new_items_per_night: int = Field(
        default=100,
        ge=0,
        description="New queue items the runs of 24 hours may add; flagged clusters past it are "
        "counted in the run report as held back, not queued.",
    )
    emerging_threshold: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Minimum emerging score (spread × growth × topic and check-worthiness gates) "
        "for a new claim that repeats no narrative to be queued in the emerging lane.",
    )
    emerging_min_outlets: int = Field(
        default=2,
        ge=1,
        description="Outlets that must carry a new claim before it can be queued as emerging.",
    )
    max_emerging_per_night: int = Field(
        default=10,
        ge=0,
        description="New emerging items the runs of 24 hours may add (best first); the rest are "
        "counted in the run report as below the line.",
    )
    max_new_items_per_source: int = Field(
        default=20,
        ge=0,
        description="New queue items one source may bring in 24 hours (a flood from one outlet "
        "is reported, not queued).",
    )

    # What editors publish. Nothing is published automatically; these name the desk in exports.
    publisher_name: str = Field(
        default="claimwatch desk",
        min_length=1,
        description="The organisation named as author of ClaimReview exports and drafts.",
    )
    publisher_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://",
        description="The organisation's web address (ClaimReview author.url). A ClaimReview is "
        "refused while it is a loopback or private address.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://",
        description="Base address of the web app; a ClaimReview's url is <public_url>/items/<id> "
        "unless the editor gives the published article's address. A ClaimReview is refused "
        "while that would be a loopback or private address.",
    )

    # The web app.
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs session cookies; unset: a random key kept in <data_dir>/secret-key.",
    )
    secure_cookies: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (behind TLS)."
    )
    session_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="A signed-in session lasts this long."
    )
    lock_minutes: float = Field(
        default=20,
        gt=0,
        le=24 * 60,
        description="How long 'next item' reserves an item for its reviewer.",
    )

    # Scheduling.
    schedule_cron: str = Field(default="0 2 * * *", description="Cron of the nightly deployment.")
    schedule_timezone: str = Field(default="UTC", description="Time zone of schedule_cron.")

    # Signing in to the web app (counted in each web server process's memory).
    login_failures_per_user: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed sign-ins of one username before it is locked out for a while; each "
        "further failure doubles the lock.",
    )
    login_failures_per_address: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Failed sign-ins from one client address (any usernames) before the address "
        "is locked out the same way.",
    )
    login_lock_s: float = Field(
        default=1, gt=0, le=3600, description="The first lock-out after too many failures, seconds."
    )
    login_lock_max_s: float = Field(
        default=300, gt=0, le=86_400, description="The longest lock-out, seconds."
    )
    login_forget_s: float = Field(
        default=900,
        gt=0,
        le=7 * 86_400,
        description="Failed sign-ins are forgotten this many seconds after the last one.",
    )
    password_checks_at_once: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Password checks (argon2id, 64 MiB of memory each) running at once; further "
        "sign-ins wait for one to finish.",
    )
    password_check_wait_s: float = Field(
        default=5,
        ge=0,
        le=60,
        description="How long a sign-in waits for a free password check before it is answered "
        "503 (try again).",
    )

    # Crawling, continued.
    fetch_deadline_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Total time one fetch may take (connection, redirects, headers and body "
        "together), for feeds and for pages: a server that drips its answer is cut off and "
        "reported as a transient timeout. http_timeout_s still bounds each connect and read.",
    )

    # Languages.
    languages: tuple[str, ...] = Field(
        default=("en", "fr", "vi"),
        min_length=1,
        description="Languages the desk covers (codes, as a JSON list): the heads are calibrated "
        'for these; a sentence in another language is skipped as "language_not_covered".',
    )

    # Training the heads from decisions.
    heads_promotion_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="How much lower a retrained head's F1 may be, in any language, on the bundled "
        "held-out sentences before `claimwatch models train` keeps the current heads.",
    )
    heads_min_held_out_decisions: int = Field(
        default=10,
        ge=1,
        description="Held-out decisions needed before `claimwatch models train` also requires the "
        "retrained heads to agree with at least as many of them as the current heads do, and the "
        "refitted flag to find as many held-out repeats and flag no more rejected claims.",
    )
    flag_promotion_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="How much lower repeat recall, or higher any false-flag rate, a refitted flag "
        "model may have on the bundled retrieval test split before `claimwatch models train` "
        "keeps the current one.",
    )

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'claimwatch.db').resolve()}"

    @cached_property
    def resolved_archive_dir(self) -> Path:
        """The evidence archive: WARC files of every fetched article page."""
        return (self.data_dir / "archive").resolve()

    @cached_property
    def resolved_models_dir(self) -> Path:
        return (self.models_dir or self.data_dir / "models").resolve()

    @cached_property
    def resolved_heads_dir(self) -> Path:
        """The trained heads: they learn from this data directory's decisions."""
        return (self.data_dir / "heads").resolve()

    @cached_property
    def resolved_flag_dir(self) -> Path:
        """Flag models fitted here (``claimwatch models train``, ``claimwatch eval retrieval
        --fit``), every version, and the one in use (``current``)."""
        return (self.data_dir / "flag").resolve()

    @cached_property
    def resolved_embeddings_dir(self) -> Path:
        """Cached embeddings of fixed collections (seeds, evaluation sets), per model."""
        return self.resolved_models_dir / "embeddings"

    def session_secret(self) -> str:
        """The key that signs session cookies (created once per data directory if unset)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}")
            partial.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            partial.chmod(0o600)
            partial.replace(path)
        return path.read_text(encoding="utf-8").strip()

    @cached_property
    def resolved_sources_file(self) -> Path:
        if self.sources_file is not None:
            return self.sources_file
        local = Path("sources.toml")
        return local if local.exists() else REPO_ROOT / "sources.toml"


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and ``overrides``), with a clear error when invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"CLAIMWATCH_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
