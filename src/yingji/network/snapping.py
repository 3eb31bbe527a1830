"""Snapping points to the nearest network node (a KD-tree over the live nodes); methods of the
private mixin ``_Snapping``, which :class:`~yingji.network.Network` inherits."""

from __future__ import annotations

import numpy as np

from yingji import config
from yingji._validation import Interval, Problems, check_param, describe_positions
from yingji.exceptions import ValidationError


class _Snapping:
    """``Network.snap`` and the cached KD-tree it queries."""

    def snap(self, x, y, return_distance: bool = False, max_snap: float | None = None):
        """Nearest network node of each point (straight-line, KD-tree).

        Parameters
        ----------
        x, y : float or array-like
            Point coordinates in metres (the network's CRS).
        return_distance : bool
            Also return the straight-line snap distance in metres.
        max_snap : float, optional
            Largest acceptable snap distance in metres; farther points are an error.

        Returns
        -------
        nodes : label or numpy.ndarray
            Node labels (a scalar for scalar input). Destroyed nodes (:meth:`without`) are
            never returned.
        metres : float or numpy.ndarray
            Snap distances, when ``return_distance``.

        Raises
        ------
        ValidationError
            The network has no coordinates; ``x`` and ``y`` differ in length or hold NaN;
            points farther than ``max_snap`` (named with their positions and distances).

        Notes
        -----
        Ties between equidistant nodes go to the lower node position, as
        :class:`scipy.spatial.cKDTree` returns them.
        """
        self._need_coords("snap")
        scalar = np.ndim(x) == 0 and np.ndim(y) == 0
        probs = Problems("Network.snap")
        xa, ya = _coords(x, "x", probs), _coords(y, "y", probs)
        probs.raise_if_any()
        if xa.shape != ya.shape:
            probs.add(f"x and y must have the same length; got {len(xa)} and {len(ya)}.")
            probs.raise_if_any()
        with np.errstate(invalid="ignore"):  # beyond 1e12 m: not a coordinate (the KD-tree finds no node)
            bad = ~(np.isfinite(xa) & np.isfinite(ya)) | (np.abs(xa) > config.MAX_INPUT) \
                | (np.abs(ya) > config.MAX_INPUT)
        if bad.any():
            probs.add(f"The 'x' and 'y' parameters of Network.snap must be finite coordinates (metres, at "
                      f"most {config.MAX_INPUT:g} in magnitude). Points {describe_positions(np.flatnonzero(bad))} "
                      f"have missing or non-finite coordinates (or beyond that magnitude): got "
                      f"{', '.join(f'({xa[i]:g}, {ya[i]:g})' for i in np.flatnonzero(bad)[:3])}.")
        if max_snap is not None:
            max_snap = check_param(probs, "max_snap", max_snap, Interval(float, 0, None))
        tree, alive = self._tree()
        if tree is None:
            probs.add("The network has no nodes left to snap to.")
        probs.raise_if_any()
        d, k = tree.query(np.column_stack([xa, ya]))
        pos = alive[k] if alive is not None else k
        if max_snap is not None:
            far = np.flatnonzero(d > max_snap)
            if far.size:
                raise ValidationError(
                    f"{far.size} point(s) lie farther than max_snap={max_snap:g} m from the road "
                    f"network: positions {describe_positions(far)} at "
                    f"{', '.join(f'{d[i]:.0f} m' for i in far[:10])}"
                    + (" ..." if far.size > 10 else "") + ".")
        labels = self._labels[pos]
        if scalar:
            labels, d = labels[0], float(d[0])
        return (labels, d) if return_distance else labels

    def _tree(self):
        if "tree" not in self._cache:
            from scipy.spatial import cKDTree

            if self._removed is not None:
                alive = np.flatnonzero(~self._removed)
                self._cache["tree"] = ((cKDTree(self._coords[alive]), alive) if alive.size
                                       else (None, None))
            else:
                self._cache["tree"] = (cKDTree(self._coords), None)
        return self._cache["tree"]

    def _need_coords(self, what: str) -> None:
        if self._coords is None:
            raise ValidationError(f"Network.{what} needs node coordinates (x, y), and this network "
                                  f"has none. Build it with nodes=... (from_edges) or x/y node "
                                  f"attributes (from_networkx).")


def _coords(v, name: str, probs: Problems) -> np.ndarray:
    """A coordinate array as floats; text that is not a number is recorded, naming positions."""
    try:
        return np.atleast_1d(np.asarray(v, dtype=float)).ravel()
    except (TypeError, ValueError):
        vals = np.atleast_1d(np.asarray(v, dtype=object)).ravel()
        bad = []
        for k, t in enumerate(vals):
            try:
                float(t)
            except (TypeError, ValueError):
                bad.append(k)
        shown = ", ".join(repr(vals[k])[:30] for k in bad[:3]) or repr(v)[:60]
        probs.add(f"The {name!r} parameter of {probs.func} must hold numbers (metres). Got {shown} "
                  f"at positions {describe_positions(bad)} instead.")
        return np.zeros(0)
