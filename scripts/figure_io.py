"""Writing a matplotlib figure as infersim's figure scripts do (figures.py, compare_figure.py,
pareto_figure.py, sweep_figure.py): under a temporary name in the target's folder, then renamed, so that a failed or
interrupted draw leaves nothing half-written; SVG deterministic (the scripts fix svg.hashsalt, the
date is dropped, and every id is renumbered in order of appearance because matplotlib derives some
from object addresses); PNG without the software stamp.
"""
import io
import os
import re


def deterministic_svg(fig, creator):
    """The figure as SVG text whose bytes depend only on what is drawn."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": creator})
    svg = buf.getvalue()
    ids = []
    for m in re.finditer(r'id="([^"]+)"', svg):
        if m.group(1) not in ids:
            ids.append(m.group(1))
    mapping = {old: "i%d" % k for k, old in enumerate(ids)}
    return re.sub(r'(id="|url\(#|href="#)([^")]+)', lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)), svg)


def save_atomically(fig, path, creator):
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, ".%s.tmp-%d" % (os.path.basename(path), os.getpid()))
    try:
        if path.endswith(".svg"):
            with open(tmp, "w") as f:
                f.write(deterministic_svg(fig, creator))
        else:
            fig.savefig(tmp, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
