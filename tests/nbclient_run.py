"""Runs notebooks with a real Jupyter client (nbclient, as `jupyter nbconvert --execute` does) and
checks that executed notebooks keep their trust.

Used by tests/report_e2e_test.ts; prints one JSON object on stdout.

  nbclient_run.py run OUT_DIR NOTEBOOK...   execute each notebook with the "deno" kernel spec
                                              found on JUPYTER_PATH; write OUT_DIR/<name>.ipynb
  nbclient_run.py trust NOTEBOOK...         sign each notebook, read it back, check the
                                              signature and that nbformat validates it as is
"""

import json
import os
import sys
import tempfile
import time
import warnings


def run(out_dir, paths):
    import nbclient
    import nbformat

    results = {}
    for path in paths:
        name = os.path.basename(path)[: -len(".ipynb")]
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            nb,
            kernel_name="deno",
            timeout=None,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        )
        started = time.time()
        error = None
        try:
            client.execute()
        except Exception as e:  # a cell error: report it, keep the outputs so far
            error = f"{type(e).__name__}: {str(e)[-2000:]}"
        nbformat.write(nb, os.path.join(out_dir, name + ".ipynb"))
        results[name] = {"error": error, "seconds": round(time.time() - started, 1)}
    return {"nbclient": nbclient.__version__, "notebooks": results}


def trust(paths):
    import nbformat
    from nbformat.sign import NotebookNotary

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        notary = NotebookNotary(db_file=os.path.join(tmp, "trust.db"), secret=b"lts-test")
        for path in paths:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                nb = nbformat.read(path, as_version=4)
                nbformat.validate(nb)
                notary.sign(nb)
                again = nbformat.read(path, as_version=4)
            results[path] = {
                "trusted": notary.check_signature(again),
                "warnings": sorted({str(w.message)[:300] for w in caught}),
                "cells": len(again.cells),
            }
    return {"nbformat": nbformat.__version__, "notebooks": results}


def main(argv):
    if len(argv) >= 3 and argv[1] == "run":
        print(json.dumps(run(argv[2], argv[3:])))
    elif len(argv) >= 2 and argv[1] == "trust":
        print(json.dumps(trust(argv[2:])))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
