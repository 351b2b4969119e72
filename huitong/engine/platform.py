"""The platform object: settings, database, metadata cache, hooks, access policy and the record service, wired once
per process. Modules plug in through ``Module``; the engine never imports them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, and_, or_

from huitong.config import Settings
from huitong.engine.db import Database
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.notices import Notices, NoticeSink
from huitong.engine.records.context import Actor, Hooks
from huitong.engine.records.service import Clock, RecordService, utc_now
from huitong.engine.security import (
    rule_indexes,
    sharing,  # noqa: F401 - registers its check before a field is deleted
)
from huitong.engine.security.access import AccessPolicy
from huitong.engine.security.policy import SecurityPolicy
from huitong.engine.security.users import system_actor
from huitong.engine.summaries.model import Summary
from huitong.engine.summaries.upkeep import Summaries

log = logging.getLogger("huitong.jobs")


@dataclass(frozen=True)
class RecordAction:
    """A button on the record page of ``object`` that opens a module's own screen for the record (convert a
    lead …). ``url`` has ``{id}`` for the record's id; the button is left out while the record has any of the
    values in ``hidden_when`` (field → value) or a value in any field of ``hidden_when_set``."""

    object: str
    label: Mapping[str, str]  # {"en": "Convert", "zh_CN": "转化"}
    url: str
    hidden_when: Mapping[str, Any] = field(default_factory=dict)
    hidden_when_set: tuple[str, ...] = ()  # e.g. ("pool",): no "Release to pool" on a record already in a pool

    def shown_for(self, record: Mapping[str, Any]) -> bool:
        if any(record.get(name) == value for name, value in self.hidden_when.items()):
            return False
        return not any(record.get(name) not in (None, "", []) for name in self.hidden_when_set)


@dataclass(frozen=True)
class Screen:
    """A module's own page in the navigation (pipeline board, forecast …), under the module's heading; shown to
    whoever may read ``object``, the records the page is made of."""

    label: Mapping[str, str]
    url: str
    object: str


@dataclass(frozen=True)
class PeriodicJob:
    """A module's job the worker's scheduler starts every ``minutes`` minutes, or daily at ``daily_at`` (hour,
    minute) in the company's time zone. ``run`` does the work with the worker's platform and returns how many
    records it handled, for the log. It must be safe to run twice (two workers, a retry)."""

    name: str
    run: Callable[[Platform], int]
    minutes: int | None = None
    daily_at: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if (self.minutes is None) == (self.daily_at is None):
            raise ValueError(f"periodic job {self.name}: give exactly one of minutes and daily_at")


@dataclass(frozen=True)
class PagePart:
    """What a module's panel or widget is drawn from: the page's request and reader (``user``, the web layer's
    PageUser), an open connection, the bound actor and their schema; on a record page also the object and the record
    as the reader sees it. Reads go through the query engine with ``actor``, so the access rules apply."""

    platform: Platform
    request: Any
    user: Any
    connection: Connection
    actor: Actor
    schema: Schema
    definition: ObjectDef | None = None
    record: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RecordPanel:
    """A card a module adds to record pages (the activity timeline …): ``render`` returns its HTML, or None to
    leave it out. ``objects`` are the objects whose pages show it; None: every object's."""

    name: str
    render: Callable[[PagePart], str | None]
    objects: Sequence[str] | None = None


@dataclass(frozen=True, order=True)
class TimelineCursor:
    """Where a page of a timeline ends. Timelines show entries newest first by (when, kind, id), all descending,
    so that entries of several sources at the same instant still page without gaps or repeats."""

    when: datetime
    kind: str
    id: int

    def older(self, kind: str, when: Any, id_: Any) -> ColumnElement[bool]:
        """SQL: the rows of a ``kind`` source (its ``when`` and ``id_`` columns) that come after this cursor."""
        if kind < self.kind:
            return when <= self.when
        if kind > self.kind:
            return when < self.when
        return or_(when < self.when, and_(when == self.when, id_ < self.id))


@dataclass(frozen=True)
class TimelineEntry:
    """One thing a source shows in a timeline, as its own HTML (already escaped), about record ``record_id`` of
    ``object`` (None: about no record, such as a colleague's post)."""

    when: datetime
    kind: str
    id: int
    html: str
    object: str | None = None
    record_id: int | None = None

    @property
    def cursor(self) -> TimelineCursor:
        return TimelineCursor(self.when, self.kind, self.id)


@dataclass(frozen=True)
class TimelineQuery:
    """What a timeline asks a source: the reader's page (``part``), the records the entries must be about (object →
    ids, each one the reader may read: the record of a record page, or the records a user follows), and at most
    ``limit`` entries, newest first, that come after ``before`` (None: from the newest)."""

    part: PagePart
    records: Mapping[str, Sequence[int]]
    before: TimelineCursor | None
    limit: int


@dataclass(frozen=True)
class TimelineSource:
    """Entries a module adds to record timelines and the work circle feed (comments …), next to the activities and
    field changes: ``kind`` is what its filter chip filters by, ``label`` the chip's text, ``entries`` reads them as
    the reader (through the query engine) and renders each with the module's templates. ``composer``, when given,
    renders what a record page's timeline shows above its entries to add one (a comment box), or None."""

    kind: str
    label: Mapping[str, str]
    entries: Callable[[TimelineQuery], list[TimelineEntry]]
    composer: Callable[[PagePart], str | None] | None = None


@dataclass(frozen=True)
class HomeWidget:
    """A card a module adds to the home workbench (today's tasks and schedule …): ``render`` returns its HTML, or
    None to leave it out (the reader may not read what it shows)."""

    name: str
    render: Callable[[PagePart], str | None]


@dataclass(frozen=True)
class SimilarRecord:
    """A record that looks like one about to be created (same mobile, same company name …): ``fields`` are the
    fields that matched."""

    id: int
    title: str
    fields: tuple[str, ...]


# What a module says about a record about to be created: the readable records it may duplicate.
SimilarFinder = Callable[["Platform", Actor, Mapping[str, Any]], list[SimilarRecord]]


@dataclass
class Module:
    """What a business module gives the platform: its standard objects, its hooks, its API routers."""

    name: str
    objects: list[ObjectDef] = field(default_factory=list)
    label: Mapping[str, str] = field(default_factory=dict)  # in navigation, e.g. {"en": "Sales", "zh_CN": "销售"}
    install_hooks: Callable[[Hooks], None] | None = None
    routers: list[Any] = field(default_factory=list)  # API routes and pages (pages use huitong.engine.web)
    templates: Path | None = None  # the module's page templates, found before the engine's (they extend base.html)
    record_actions: list[RecordAction] = field(default_factory=list)
    screens: list[Screen] = field(default_factory=list)
    # The objects the sidebar and quick-create list, in this order; None lists them all by label. The others
    # (child records, configuration) are reached through related lists, the module's screens and Settings.
    sidebar: Sequence[str] | None = None
    periodic: list[PeriodicJob] = field(default_factory=list)
    record_panels: list[RecordPanel] = field(default_factory=list)
    home_widgets: list[HomeWidget] = field(default_factory=list)
    # entries of the module's kinds in every record's timeline and in the work circle feed
    timeline_sources: list[TimelineSource] = field(default_factory=list)
    # object → finder: the create form warns with the records it finds, and saves when the user confirms
    similar_records: Mapping[str, SimilarFinder] = field(default_factory=dict)
    # stores and delivers the notices any module sends (engine/notices.py); the notification centre has one
    notice_sink: NoticeSink | None = None
    # counts and sums kept per owner and month for the aggregates that fit them (engine/summaries)
    summaries: list[Summary] = field(default_factory=list)
    # templates base.html includes in every page's top bar, before the user menu (the notification bell); they see
    # the page's ``user``, ``request`` and ``locale`` only, so they must not read the database while rendering
    top_bar: list[str] = field(default_factory=list)
    # links in every page's user menu, under the language choice: (label per locale, address), e.g. one's settings
    user_menu: list[tuple[Mapping[str, str], str]] = field(default_factory=list)


class Platform:
    def __init__(
        self,
        settings: Settings,
        modules: Sequence[Module] = (),
        *,
        access: AccessPolicy | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.modules = list(modules)
        self.db = Database(settings.database_url)
        self.cache = MetadataCache()
        self.hooks = Hooks()
        self.access = access or SecurityPolicy(self.cache, self.filter_env)
        self.zone = ZoneInfo(settings.timezone)
        self.clock = clock
        self.notices = Notices(self.access)
        self.summaries = Summaries([summary for module in self.modules for summary in module.summaries], self.zone)
        self.records = RecordService(
            self.db, self.cache, self.hooks, self.access, self.zone, clock, self.notices, self.summaries
        )
        for module in self.modules:
            if module.install_hooks:
                module.install_hooks(self.hooks)
            if module.notice_sink:
                self.notices.register(module.notice_sink)

    @property
    def standard_objects(self) -> list[ObjectDef]:
        return [definition for module in self.modules for definition in module.objects]

    def filter_env(self) -> FilterEnv:
        return FilterEnv(now=self.clock(), zone=self.zone)

    def job_actor(self, job: str) -> Actor | None:
        """Whom a periodic job acts as: the first active administrator. None when there is none (logged): the job
        then does nothing, as no one may answer for its changes."""
        with self.db.read() as connection:
            actor = system_actor(connection)
        if actor is None:
            log.warning("%s: no active administrator to act as; nothing done", job)
        return actor

    def now(self) -> datetime:
        return self.clock()

    def migrate(self) -> None:
        from huitong.engine.migrate import upgrade

        upgrade(self.db, self.standard_objects)
        self.cache.forget()
        rule_indexes.sync_all(self.db, self.filter_env())
        with self.db.write() as connection:
            self.summaries.build_missing(connection, self.cache.current(connection))

    def close(self) -> None:
        self.db.dispose()
