"""What one viewer's page costs to build, in-process: prints figures, asserts nothing.
Run: python benchmarks/bench_page_build.py (``--sessions N`` a round, default 10; ``--rounds R``,
default 8).

The server's work for a session without the network: the default page built into a document
that counts as served (:func:`spacedata.dashboard.build_app`, the template's ``server_doc``,
the onload work Panel runs after "document ready") and the PULL-DOC reply encoded for it.
Prints CPU per session (min and median of the rounds: the min is the steadiest figure on a
shared machine), the models and bytes a viewer pulls, and param's per-instance Parameter copies
a session. For an A/B of a change, run it on both commits one after the other;
``benchmarks/bench_sessions.py`` measures the served figures issue 19 names.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import param.parameterized  # noqa: E402
from bokeh.document import Document  # noqa: E402
from bokeh.protocol import Protocol  # noqa: E402

import spacedata  # noqa: E402
from spacedata.dashboard import SharedData  # noqa: E402
from spacedata.dashboard.data import tune_gc_for_serving  # noqa: E402
from tests.loadclient import served_page  # noqa: E402


def one_page(shared: SharedData) -> tuple[Document, int]:
    """One session's page as served (:func:`tests.loadclient.served_page`, figures not
    validated, as `spacedata serve` builds them); the document and the bytes of its PULL-DOC
    reply (what a viewer's browser receives first)."""
    doc, _ = served_page(shared=shared, validate_figures=False)
    reply = Protocol().create("PULL-DOC-REPLY", "bench", doc)
    return doc, len(reply.content_json)


def parameter_copies(shared: SharedData, sessions: int = 5) -> float:
    """param's per-instance Parameter copies per session."""
    copies = []
    original = param.parameterized._instantiate_param_obj

    def counting(paramobj, owner=None):
        copies.append(1)
        return original(paramobj, owner)

    param.parameterized._instantiate_param_obj = counting
    try:
        keep = [one_page(shared) for _ in range(sessions)]
    finally:
        param.parameterized._instantiate_param_obj = original
    del keep
    return len(copies) / sessions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    shared = SharedData(lambda refresh=False: spacedata.load_tables("bundled"))
    from bokeh.settings import settings

    settings.perform_document_validation.set_value(False)  # as `spacedata serve` runs
    settings.perform_error_diagnostics.set_value(False)
    for _ in range(3):  # warm: imports, the shared figures, class-level caches
        one_page(shared)
    tune_gc_for_serving()
    per_session = []
    for _ in range(args.rounds):
        gc.collect()
        start = time.process_time()
        keep = [one_page(shared) for _ in range(args.sessions)]
        per_session.append((time.process_time() - start) / args.sessions * 1000)
        doc, pulled = keep[0]
        models = len(doc.models)
        del keep
    print(
        f"== one page, in-process ({args.rounds} rounds of {args.sessions} sessions): CPU per "
        f"session min {min(per_session):.1f} ms, median {statistics.median(per_session):.1f} ms;"
        f" {models} models, {pulled / 1000:.0f} KB pulled; "
        f"{parameter_copies(shared):.0f} Parameter copies a session"
    )


if __name__ == "__main__":
    main()
