"""Fire stations' service areas and districts as polygons (:func:`service_areas`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yingji.exceptions import ValidationError
from yingji.fire.standard import load_standard
from yingji.geo.features import GeoRef
from yingji.geo.service_areas import ServiceAreas
from yingji.geo.service_areas import service_areas as _network_service_areas


def service_areas(county, minutes: float | None = None, *, standard=None, stations=None,
                  network=None, buffer_m: float = 50.0, districts: bool = True) -> ServiceAreas:
    """What each fire station reaches within ``minutes`` along the roads, and its district.

    Parameters
    ----------
    county : yingji.County
        Supplies ``stations`` (``node``) and ``network`` unless given.
    minutes : float, optional
        Driving minutes; default the standard's travel budget (response time less turnout,
        e.g. 4 min under GB 51080: 5 min to arrive, 1 min turnout).
    standard : str or FireStandard, optional
        Default the county's profile (``meta["standard"]``).
    stations : pandas.DataFrame or list of str, optional
        Indexed by station id with ``node``; or ids of the county's stations (those only).
    network : yingji.Network, optional
        Default ``county.network``.
    buffer_m : float
        Half-width of the band drawn around each reached road piece, metres.
    districts : bool
        Also draw each station's district (nodes it reaches first; Voronoi cells unioned).

    Returns
    -------
    ServiceAreas
        ``areas`` (per station: reached nodes, road km, km²), the polygons, and
        ``.to_geojson()`` / ``.to_geodataframe()``.

    Raises
    ------
    ValidationError
        No stations or no network with coordinates; bad ``minutes`` or ``buffer_m``.

    See Also
    --------
    yingji.geo.service_areas : the same on any network and sources.

    References
    ----------
    .. [1] GB 51080-2015 城市消防规划规范, 4.1.3 (arrive within 5 min of the call; the
       district is the area reached within it).

    Examples
    --------
    >>> import yingji as yj
    >>> sa = yj.fire.service_areas(yj.datasets.sample_county(), minutes=4)
    >>> sorted(sa.areas.index)
    ['S1', 'S2', 'S3']
    """
    st = stations if stations is not None else getattr(county, "stations", None)
    own = getattr(county, "stations", None)
    if isinstance(st, (list, tuple, set, pd.Index, np.ndarray)) and isinstance(own, pd.DataFrame):
        ids = [str(i) for i in st]  # station ids: those rows of the county's stations table
        unknown = [i for i in ids if i not in set(own.index.map(str))]
        if unknown:
            raise ValidationError(f"The 'stations' parameter of fire.service_areas names stations the "
                                  f"county does not have: {unknown[:10]}. Known: {list(own.index[:10])}.")
        st = own.loc[[i for i in own.index if str(i) in set(ids)]]
    elif st is not None and not isinstance(st, pd.DataFrame):
        raise ValidationError("The 'stations' parameter of fire.service_areas must be a table of stations "
                              "with a 'node' column, or a list of the county's station ids. Got "
                              f"{type(st).__name__} instead.")
    net = network if network is not None else getattr(county, "network", None)
    if st is None or not len(st) or "node" not in st.columns:
        raise ValidationError("The 'stations' parameter of fire.service_areas must be a table of "
                              "stations with a 'node' column (or a county that has one). Got "
                              f"{'none' if st is None else f'{len(st)} rows'} instead.")
    if minutes is None:
        if standard is None:
            standard = (getattr(county, "meta", None) or {}).get("standard", "GB51080")
        minutes = load_standard(standard).travel_budget
    geo = GeoRef.of(county, network=net, tables=False, stations=st)
    return _network_service_areas(net, {str(k): v for k, v in st["node"].items()}, minutes,
                                  buffer_m=buffer_m, districts=districts, geo=geo)
