"""Global search at scale: a salesperson and an administrator searching 1,000,000 contacts.

    python -m scripts.bench_search                                   # 1,000,000 contacts, both databases
    python -m scripts.bench_search --records 50000 --databases sqlite --output var/bench-search/try.md

Builds the security benchmark's 500-user organization, makes contacts private (access through the hierarchy),
loads contacts (Chinese names, mobiles written three ways, emails, some landlines) owned across it through the
record service's BulkWriter, which writes their search terms, and times ``search`` in-process for an administrator
and an ordinary rep: Chinese substrings, pinyin, initials, phone numbers, the last four digits, email parts.
The SQL floor is the candidates query written by hand (the term range joined to the contacts; for the rep, the
range of the rep's own terms and the owner condition; limit), run through the driver. Writes docs/benchmarks-search.md.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from pypinyin import lazy_pinyin
from sqlalchemy import func, select, text

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.platform import Platform
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor
from huitong.engine.search.query import search
from huitong.engine.search.tables import search_terms
from huitong.engine.search.terms import normalize_query, upper_bound
from huitong.engine.security import sharing
from huitong.engine.system_tables import users
from scripts.bench_data import GIVEN, SURNAMES
from scripts.bench_databases import bench_database, cpu_model
from scripts.bench_security import Org, build_org, create_object, percentile

WORK_DIR = Path("var/bench-search")
POSTGRES_DATABASE = "huitong_bench_search"
DEFAULT_POSTGRES = os.environ.get("HUITONG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BATCH = 10_000
TARGET_MS = 100.0
LIMIT = 10
DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "huitong.cn", "acme.com", "gmail.com"]
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_search", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000, help="contacts to load per database")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--requests", type=int, default=60, help="timed searches per kind of query and user")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="an administrator's PostgreSQL URL")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks-search.md"), help="the report")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (for inspection)")
    parser.add_argument("--reuse", action="store_true", help="measure the databases an earlier --keep run left")
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if set(args.databases) - set(NAMES) or not args.databases:
        parser.error("--databases takes sqlite and/or postgresql")
    return args


# -- data ----------------------------------------------------------------------------------------------------------
class ContactMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def contact(self) -> dict[str, Any]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN)[:1] if rng.random() < 0.5 else "")
        digits = rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        mobile = "1" + digits
        style = rng.random()
        if style < 0.4:
            mobile = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
        elif style < 0.7:
            mobile = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        local = "".join(lazy_pinyin(name)) if rng.random() < 0.7 else name and f"user{rng.randrange(10**6)}"
        contact = {"name": name, "mobile": mobile, "email": f"{local}{rng.randrange(1000)}@{rng.choice(DOMAINS)}"}
        if rng.random() < 0.3:
            contact["phone"] = f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}"
        return contact


def load(p: Platform, org: Org, total: int, seed: int, facts: list[str]) -> list[dict[str, Any]]:
    """Contacts through the BulkWriter (reps own 90 %); returns a sample of what was loaded, for queries."""
    maker, rng = ContactMaker(seed), random.Random(seed + 1)
    writer, actor = BulkWriter(p.records), Actor(org.admin, is_admin=True)
    sample: list[dict[str, Any]] = []
    done, spent, last = 0, 0.0, time.monotonic()
    while done < total:
        batch = [maker.contact() for _ in range(min(BATCH, total - done))]
        for contact in batch:
            contact["owner"] = rng.choice(org.reps) if rng.random() < 0.9 else rng.choice(org.managers)
        sample += rng.sample(batch, min(50, len(batch)))
        started = time.perf_counter()
        failed, results = writer.run(actor, "contact", {"operation": "create", "records": batch})
        spent += time.perf_counter() - started
        if failed:
            raise RuntimeError(f"bulk create failed: {results[:3]}")
        done += len(batch)
        if time.monotonic() - last > 15 or done == total:
            log(f"loaded {done:,}/{total:,} ({done / spent:,.0f} records/s in BulkWriter, search terms included)")
            last = time.monotonic()
    with p.db.read() as connection:
        terms = connection.execute(select(text("count(*)")).select_from(search_terms)).scalar_one()
    facts.append(f"Loaded {total:,} contacts with the BulkWriter (batches of {BATCH:,}), search terms included: "
                 f"{spent:,.0f} s, {total / spent:,.0f} records/s; {terms:,} search terms "
                 f"({terms / total:.1f} per contact).")  # fmt: skip
    return sample


def queries(sample: list[dict[str, Any]], rep_sample: list[dict[str, Any]], seed: int) -> dict[str, list[str]]:
    """Each kind of query, from loaded values (half of them from the rep's own contacts)."""
    rng = random.Random(seed + 3)
    kinds: dict[str, list[str]] = {}
    pool = sample + rep_sample
    picks = [rng.choice(pool) for _ in range(200)]
    kinds["Chinese, 2 characters inside a name (伟明 in 王伟明)"] = [
        c["name"][-2:] if len(c["name"]) == 3 else c["name"] for c in picks
    ]
    kinds["Pinyin of the whole name (wangwei)"] = ["".join(lazy_pinyin(c["name"])) for c in picks]
    kinds["Initials (ww)"] = ["".join(s[0] for s in lazy_pinyin(c["name"])) for c in picks]
    kinds["Mobile with separators (138-1234-5678)"] = [
        (lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}")(normalize_query(c["mobile"])) for c in picks
    ]
    kinds["Last four digits of a mobile (5678)"] = [normalize_query(c["mobile"])[-4:] for c in picks]
    kinds["Email, the part before @"] = [c["email"].split("@")[0] for c in picks]
    return kinds


# -- measuring -----------------------------------------------------------------------------------------------------
@dataclass
class Measure:
    kind: str
    user: str
    times: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)


@dataclass
class DatabaseRun:
    name: str
    version: str
    records: int
    measures: list[Measure] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    seconds: float = 0.0


def floor_sql(dialect: str, rep: int | None) -> str:
    """The candidates of one object by hand: the term range joined to live contacts; for the rep, the range of the
    rep's own terms (the (object, owner, term) index) and the owner condition on the contact."""
    mark = "?" if dialect == "sqlite" else "%s"
    owner = f" AND t.owner_id = {mark} AND c.owner = {mark}" if rep is not None else ""
    return (
        "SELECT t.record_id, t.term, t.field_id, t.at_start, c.name, c.mobile, c.phone, c.email "
        "FROM search_terms t JOIN obj_contact c ON c.id = t.record_id "
        f"WHERE t.object_id = {mark} AND t.term >= {mark} AND t.term < {mark} AND c.deleted_at IS NULL{owner} "
        f"ORDER BY t.term, t.record_id LIMIT {LIMIT * 3}"
    )


def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    started = time.monotonic()
    path = WORK_DIR / "search.db"
    with bench_database(kind, path, args.postgres_url, POSTGRES_DATABASE, keep=args.keep, reuse=args.reuse) as url:
        p = build_platform(Settings(database_url=url))
        p.migrate()
        with p.db.read() as connection:
            version = str(connection.exec_driver_sql("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version").scalar())  # fmt: skip
        run = DatabaseRun(NAMES[kind], version, args.records)
        if args.reuse:
            rep, sample = kept(p, args.seed)
            run.facts.append("Measured on the database an earlier `--keep` run left (`--reuse`), migrated to this "
                             "commit; queries from 500 of its contacts taken at random.")  # fmt: skip
        else:
            create_object(p)
            org = build_org(p, args.seed)
            with p.db.write() as connection:
                schema = p.cache.current(connection)
                sharing.set_default(connection, schema, "contact", {"access": "private", "grant_via_hierarchy": True},
                                    org.admin, datetime.now(UTC))  # fmt: skip
            sample, rep = load(p, org, args.records, args.seed, run.facts), org.reps[0]
        admin = kept_admin(p)
        table = p.cache.snapshot().table("contact")
        contact_id = p.cache.snapshot().object("contact").id
        with p.db.read() as connection:
            owned = connection.execute(select(text("count(*)")).select_from(table).where(table.c.owner == rep))
            owned_count = owned.scalar_one()
            rep_rows = connection.execute(select(table).where(table.c.owner == rep).limit(200)).mappings().all()
        rep_sample = [dict(row) for row in rep_rows]
        run.facts.append(f"The rep owns {owned_count:,} contacts and reads only those (private, no subordinates); "
                         "the administrator reads all.")  # fmt: skip
        if kind == "postgresql" and not args.reuse:
            with p.db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")
        raw = sqlite3.connect(str(path)) if kind == "sqlite" else psycopg.connect(url.replace("+psycopg", ""))
        kinds = queries(sample, rep_sample, args.seed)
        for label, user in (("administrator", admin), ("rep", rep)):
            for kind_label, values in kinds.items():
                measure = Measure(kind_label, label)
                for query in values[-5:]:  # warm-up: the pages this user's searches read, the plans
                    search(p.records, Actor(user), query, LIMIT)
                for index in range(args.requests):
                    query = values[index % len(values)]
                    began = time.perf_counter()
                    hits = search(p.records, Actor(user), query, LIMIT)
                    measure.times.append((time.perf_counter() - began) * 1000)
                    measure.hits.append(len(hits))
                    term = normalize_query(query)
                    params = [contact_id, term, upper_bound(term)] + ([user, user] if label == "rep" else [])
                    began = time.perf_counter()
                    cursor = raw.cursor()
                    cursor.execute(floor_sql(kind, user if label == "rep" else None), params)
                    cursor.fetchall()
                    measure.floor.append((time.perf_counter() - began) * 1000)
                run.measures.append(measure)
                log(f"{run.name} {label:13} {kind_label[:40]:40} p50 {percentile(measure.times, 0.5):6.1f} ms "
                    f"(floor {percentile(measure.floor, 0.5):5.1f} ms)")  # fmt: skip
        raw.close()
        p.close()
    run.seconds = time.monotonic() - started
    return run


def kept_admin(p: Platform) -> int:
    with p.db.read() as connection:
        return int(connection.execute(select(users.c.id).where(users.c.username == "admin")).scalar_one())


def kept(p: Platform, seed: int) -> tuple[int, list[dict[str, Any]]]:
    """The rep a fresh run measures (build_org shuffles the reps, user040 onwards, with the seed) and a sample."""
    with p.db.read() as connection:
        ids = dict(connection.execute(select(users.c.username, users.c.id)).all())
        reps = [ids[f"user{number:03d}"] for number in range(40, 501)]
        random.Random(seed).shuffle(reps)
        table = p.cache.current(connection).table("contact")
        rows = connection.execute(select(table).order_by(func.random()).limit(500)).mappings().all()
    return reps[0], [dict(row) for row in rows]


def render(runs: list[DatabaseRun], args: argparse.Namespace, pending: list[str]) -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmark: global search",
        "",
        f"Written by `python -m scripts.bench_search` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Target: p50 under "
        f"{TARGET_MS:.0f} ms at 1,000,000 records (PLT-8). See docs/decisions/0007-global-search.md.",
        "",
        f"- Machine: {os.cpu_count()} cores ({cpu_model()}), {memory:.1f} GiB; {host.platform()}; "
        f"Python {host.python_version()}",
        f"- {args.records:,} contacts per database; the security benchmark's 500-user organization; contacts "
        "private with access through the hierarchy. In-process calls of `search(platform.records, actor, q, 10)`, "
        "which searches every object the user may read (every object of the standard modules, one with records).",
        "- SQL floor: the candidates query of the contact object written by hand and run through the driver "
        "(sqlite3 / psycopg): the term range joined to live contacts (for the rep: the range of the rep's own terms, "
        "`t.owner_id = rep`, and `c.owner = rep`), limit 30.",
        f"- {args.requests} searches per kind and user after 5 warm-up searches, values taken from loaded contacts (half from the rep's own).",
        "",
    ]
    for run in runs:
        lines += [f"## {run.name} ({run.version})", "",
                  "| Query | User | Huitong p50 (p95) | SQL floor p50 | Ratio | Hits (median) | Target p50 < 100 ms |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for m in run.measures:
            p50, floor = percentile(m.times, 0.5), percentile(m.floor, 0.5)
            met = "✅ met" if p50 < TARGET_MS else "❌ missed"
            lines.append(f"| {m.kind} | {m.user} | {p50:.2f} ms ({percentile(m.times, 0.95):.2f}) | {floor:.2f} ms | "
                         f"{p50 / floor if floor else 0:.1f}× | {sorted(m.hits)[len(m.hits) // 2]} | {met} |")  # fmt: skip
        lines += [""] + [f"- {fact}" for fact in run.facts] + [f"- The run took {run.seconds / 60:.1f} minutes.", ""]
    if pending:
        lines += [f"_{', '.join(pending)}: still running._", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    runs: list[DatabaseRun] = []
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for index, kind in enumerate(args.databases):
        runs.append(run_database(kind, args))
        pending = [NAMES[name] for name in args.databases[index + 1 :]]
        args.output.write_text(render(runs, args, pending), encoding="utf-8")
        log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
