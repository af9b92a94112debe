"""Draws htrmrl report figures from the plot specification htrmrl report writes.

Usage: python3 plots.py SPEC.json OUT_DIR

Only draws: every number on a figure was computed by htrmrl (C++) and is in SPEC.json,
except the t-SNE projection, which scikit-learn computes from the embedding CSVs named
there. Each figure is written as OUT_DIR/<name>.png and OUT_DIR/<name>.svg. Exit code 3 with
a line "missing: <Debian package>" means a Python module is not installed.
"""
import csv
import json
import math
import os
import sys

# One thread for numpy's BLAS and scikit-learn's OpenMP: t-SNE of a few hundred points is
# quick alone, and many threads on a busy machine made it 6x slower (measured).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(variable, "1")


def require(module, package):
    """Imports a module, or exits with code 3 naming the Debian package that provides it."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        print("missing: " + package, file=sys.stderr)
        sys.exit(3)


require("matplotlib", "python3-matplotlib").use("Agg")
plt = require("matplotlib.pyplot", "python3-matplotlib")
ticker = require("matplotlib.ticker", "python3-matplotlib")

plt.rcParams.update({
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.hashsalt": "htrmrl",  # stable SVG ids: the same data gives the same file
})
COLOURS = plt.get_cmap("tab10").colors


def values(seq):
    """JSON nulls (no standard-error band) become NaN, which matplotlib leaves out."""
    return [math.nan if v is None else v for v in seq]


def draw_series(ax, s):
    colour = COLOURS[s["color"] % len(COLOURS)]
    style = "--" if s["dashed"] else "-"
    marker = "o" if s["markers"] else None
    ax.plot(s["x"], s["y"], style, color=colour, marker=marker, markersize=4, linewidth=1.8,
            label=s["label"])
    if s["lo"] is not None and any(v is not None for v in s["lo"]):
        lo, hi = values(s["lo"]), values(s["hi"])
        if len(s["x"]) == 1:
            ax.errorbar(s["x"], s["y"], yerr=[[s["y"][0] - lo[0]], [hi[0] - s["y"][0]]],
                        color=colour, capsize=3)
        else:
            ax.fill_between(s["x"], lo, hi, color=colour, alpha=0.2, linewidth=0)


def draw_panel(ax, p):
    for s in p["series"]:
        draw_series(ax, s)
    ax.set_title(p["title"])
    ax.set_xlabel(p["xlabel"])
    ax.set_ylabel(p["ylabel"])
    ax.set_ylim(*p["ylim"])
    if p.get("yticks"):
        ax.set_yticks(p["yticks"])
    if p["steps_axis"]:
        # Env steps in scientific notation (the offset "1e6" sits by the axis).
        ax.ticklabel_format(axis="x", style="sci", scilimits=(0, 0), useMathText=True)
        ax.set_xlim(left=0)
    else:
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    if p.get("vline"):
        ax.axvline(p["vline"]["x"], color="grey", linestyle=":", linewidth=1.2,
                   label=p["vline"]["label"])


def unique_legend(fig, axes, markers):
    """One legend for the figure: every method once, then the markers (e.g. a vline)."""
    seen = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(label, handle)
    if not seen:
        return None
    seen = dict(sorted(seen.items(), key=lambda item: item[0] in markers))
    columns = min(len(seen), 4)
    return fig.legend(list(seen.values()), list(seen.keys()), loc="lower center",
                      ncol=columns, frameon=False)


def save(fig, out_dir, name):
    # The tight box takes in the figure's legend and title by default.
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out_dir, name + "." + ext), dpi=130, bbox_inches="tight",
                    metadata={"Date": None} if ext == "svg" else None)
    plt.close(fig)


def legend_rows(fig_spec):
    labels = set()
    for p in fig_spec["panels"]:
        labels.update(s["label"] for s in p.get("series", []))
        if p.get("vline"):
            labels.add(p["vline"]["label"])
    return math.ceil(len(labels) / 4)


def line_figure(spec, out_dir):
    panels = spec["panels"]
    columns = spec["columns"]
    rows = math.ceil(len(panels) / columns)
    small = len(panels) > 4
    width, height = (3.0, 2.4) if small else (5.2, 3.8)
    legend_height = 0.25 * legend_rows(spec) + 0.1
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows + legend_height),
                             squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax, p in zip(flat, panels):
        draw_panel(ax, p)
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    if small:
        # Small multiples: axis labels once, on the outer panels.
        for i, ax in enumerate(flat[:len(panels)]):
            if i % columns:
                ax.set_ylabel("")
            if i + columns < len(panels):
                ax.set_xlabel("")
    fig.suptitle(spec["title"], fontsize=13)
    # The title's band at the top is fixed in inches: as a fraction it would shrink to nothing
    # on a tall figure (50 task panels) and the title would sit on the first row.
    title_height = 0.25
    fig.tight_layout(rect=(0, legend_height / fig.get_figheight(), 1,
                           1 - title_height / fig.get_figheight()))
    unique_legend(fig, flat, {p["vline"]["label"] for p in panels if p.get("vline")})
    save(fig, out_dir, spec["name"])


def read_embeddings(path, colour_by):
    groups, points = [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        first_z = header.index("z0")
        column = header.index(colour_by)
        for row in reader:
            groups.append(row[column])
            points.append([float(v) for v in row[first_z:]])
    return groups, points


def tsne_figure(spec, out_dir):
    manifold = require("sklearn.manifold", "python3-sklearn")
    np = require("numpy", "python3-numpy")
    panels = spec["panels"]
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels), 5.0), squeeze=False)
    handles = {}
    for ax, p in zip(axes[0], panels):
        groups, points = read_embeddings(os.path.join(out_dir, p["csv"]), p["colour_by"])
        x = np.asarray(points, dtype=float)
        perplexity = min(30.0, max(2.0, (len(x) - 1) / 3.0))
        xy = manifold.TSNE(n_components=2, perplexity=perplexity, init="pca",
                           learning_rate="auto", random_state=spec["random_state"]).fit_transform(x)
        order = sorted(set(groups), key=lambda g: (int(g) if g.isdigit() else math.inf, g))
        for i, g in enumerate(order):
            mask = np.asarray([v == g for v in groups])
            handles[g] = ax.scatter(xy[mask, 0], xy[mask, 1], s=12, alpha=0.75,
                                    color=plt.get_cmap("tab10").colors[i % 10], label=g)
        ax.set_title(p["title"])
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(spec["title"], fontsize=13)
    fig.tight_layout()
    # Right of the panels, whatever the labels' length: the saved box grows to take it in.
    fig.legend(list(handles.values()), list(handles.keys()), loc="center left",
               bbox_to_anchor=(1.0, 0.5), title=spec["legend_title"], frameon=False,
               markerscale=1.5)
    save(fig, out_dir, spec["name"])


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    for figure in spec["figures"]:
        if figure.get("kind") == "tsne":
            tsne_figure(figure, sys.argv[2])
        else:
            line_figure(figure, sys.argv[2])


if __name__ == "__main__":
    main()
