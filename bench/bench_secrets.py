"""Secret resolution time: a 5-level namespace chain, 10,000 secrets in the store.

Run ``python bench/bench_secrets.py`` (about a minute; ``--quick`` for less).
Prints microseconds per ``SecretManager.resolve`` call, cold (cache disabled,
so every call walks the chain in the store) and warm (the per-process cache),
for the embedded store on SQLite (and PostgreSQL with ``--pg URL``) and for a
real OpenBao dev server when the ``bao`` binary is installed. Warm calls are
audited exactly as the engine's are (buffered records, flushed in batches);
"audit off" shows what the audit costs.

Baselines run in the same process, so the ratios hold on any machine:

- dict: one lookup in a dict of decoded values (Kestra OSS's environment map);
- env-decode: ``base64.b64decode(os.environ[...])`` on every call.

The key looked up lives at the top of the chain ``n1.n2.n3.n4.n5``, so a cold
call misses four namespaces before it hits: the worst case.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets as pysecrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert

from hushflow.secrets import Mount, RunRef, SecretManager
from hushflow.secrets.audit import AuditLog
from hushflow.secrets.config import VaultConfig
from hushflow.secrets.crypto import row_aad
from hushflow.secrets.embedded import EmbeddedStore, keyring_for
from hushflow.secrets.keys import fold
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.vault import VaultStore
from hushflow.storage.database import open_database
from hushflow.storage.secret_tables import secret_versions, secrets

CHAIN = ["n1", "n1.n2", "n1.n2.n3", "n1.n2.n3.n4", "n1.n2.n3.n4.n5"]
LEAF = CHAIN[-1]
TARGET = "TARGET_KEY"
RUN = RunRef("bench-exec", "bench-task", "bench-flow", LEAF)


def per_call(fn: Callable[[], object], calls: int) -> float:
    """Microseconds per call (best of three rounds)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / calls * 1e6


def bulk_load(engine: Engine, keys: MasterKeySource, count: int) -> None:
    """``count`` sealed secrets spread over the chain (fast inserts, same row format)."""
    ring = keyring_for(engine, keys, sealing=True)
    now = datetime.now(UTC)
    heads, versions = [], []
    for i in range(count):
        ns, key = CHAIN[i % len(CHAIN)], f"KEY_{i:05d}"
        sealed = ring.seal(f"fake-{i}".encode(), row_aad(ns, fold(key), 1))
        heads.append(
            dict(
                namespace=ns,
                key_folded=fold(key),
                key=key,
                current_version=1,
                tags={},
                created=now,
                updated=now,
                updated_by="bench",
            )
        )
        versions.append(
            dict(
                namespace=ns,
                key_folded=fold(key),
                version=1,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                created=now,
                created_by="bench",
                destroyed=0,
            )
        )
    with engine.begin() as conn:
        conn.execute(insert(secrets), heads)
        conn.execute(insert(secret_versions), versions)


def bench_embedded(
    label: str, url: str, count: int, calls: int, env: dict[str, str]
) -> list[tuple[str, float]]:
    engine = open_database(url)
    keys = MasterKeySource(env)
    bulk_load(engine, keys, count)
    store = EmbeddedStore(engine, keys)
    store.write(CHAIN[0], TARGET, "fake-" + pysecrets.token_hex(8), actor="bench")
    cold = SecretManager(embedded=store, audit=AuditLog(engine, keys), cache_ttl=0)
    warm = SecretManager(embedded=store, audit=AuditLog(engine, keys), cache_ttl=60)
    unaudited = SecretManager(embedded=store, cache_ttl=60)
    rows = [
        (
            f"{label} cold (5-level walk)",
            per_call(lambda: cold.resolve(LEAF, TARGET, run=RUN), max(calls // 100, 50)),
        ),
        (f"{label} warm", per_call(lambda: warm.resolve(LEAF, TARGET, run=RUN), calls)),
        (f"{label} warm, audit off", per_call(lambda: unaudited.resolve(LEAF, TARGET), calls)),
    ]
    cold.close()
    warm.close()
    engine.dispose()
    return rows


def start_bao() -> tuple[subprocess.Popen[bytes], str, str] | None:
    binary = Path(sys.executable).parent / "bao"
    found = str(binary) if binary.exists() else shutil.which("bao")
    if found is None:
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = pysecrets.token_hex(16)
    proc = subprocess.Popen(
        [
            found,
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                return proc, url, token
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    return None


def bench_openbao(count: int, calls: int) -> list[tuple[str, float]]:
    started = start_bao()
    if started is None:
        print("openbao: bao binary not found or did not start; skipped")
        return []
    proc, url, token = started
    try:
        store = VaultStore.from_config(VaultConfig(url=url, token=token, path_prefix="bench"))
        for i in range(count):
            store.write(CHAIN[i % len(CHAIN)], f"KEY_{i:05d}", f"fake-{i}", actor="bench")
        store.write(CHAIN[0], TARGET, "fake-" + pysecrets.token_hex(8), actor="bench")
        cold = SecretManager(mounts=[Mount(store)], cache_ttl=0)
        warm = SecretManager(mounts=[Mount(store)], cache_ttl=60)
        return [
            (
                "openbao cold (5-level walk)",
                per_call(lambda: cold.resolve(LEAF, TARGET, run=RUN), max(calls // 1000, 20)),
            ),
            ("openbao warm", per_call(lambda: warm.resolve(LEAF, TARGET, run=RUN), calls)),
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def baselines(calls: int) -> list[tuple[str, float]]:
    value = "fake-" + pysecrets.token_hex(8)
    os.environ["SECRET_BENCH_TARGET"] = base64.b64encode(value.encode()).decode()
    decoded = {"BENCH_TARGET": value}
    return [
        ("baseline dict lookup", per_call(lambda: decoded["BENCH_TARGET"], calls)),
        (
            "baseline env + base64 decode",
            per_call(lambda: base64.b64decode(os.environ["SECRET_BENCH_TARGET"]).decode(), calls),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--pg", help="a postgresql+psycopg:// URL (an empty database or schema)")
    parser.add_argument("--openbao-secrets", type=int, default=None, help="default: --secrets")
    parser.add_argument("--quick", action="store_true", help="1,000 secrets, 10,000 calls")
    args = parser.parse_args()
    if args.quick:
        args.secrets, args.calls = 1_000, 10_000
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "HUSHFLOW_HOME": tmp,
            "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
        rows = baselines(args.calls)
        rows += bench_embedded(
            "embedded sqlite", f"sqlite:///{tmp}/bench.db", args.secrets, args.calls, env
        )
        if args.pg:
            rows += bench_embedded("embedded postgres", args.pg, args.secrets, args.calls, env)
        rows += bench_openbao(args.openbao_secrets or args.secrets, args.calls)
    floor = rows[0][1]
    print(f"{args.secrets} secrets in the store, chain {' > '.join(reversed(CHAIN))}")
    print(f"{'case':40} {'us/call':>10} {'x dict':>10}")
    for name, micros in rows:
        print(f"{name:40} {micros:10.2f} {micros / floor:10.1f}")


if __name__ == "__main__":
    main()
