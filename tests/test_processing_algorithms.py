"""gair:rsembed, gair:locationraster, gair:tilepredict and gair:svpoints in a real headless
QGIS, on rasters in EPSG:4326, UTM 32N and NC State Plane (US feet), checked against the
runtime's own encoders (rasterio reads and pyproj transforms, no plugin code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingException, QgsVectorLayer

from gair_qgis import compat

from conftest import UNTRAINED_TWIN
from processing_support import (
    CASES,
    default_tile_size,
    encode_window,
    make_raster,
    read_output,
    reference_similarity,
    run,
    runtime,
    to_crs,
    to_lonlat,
)

RASTER_SIZE = {"EPSG:4326": (340, 240), "EPSG:32632": (240, 230), "EPSG:2264": (240, 230)}


@pytest.fixture(scope="module")
def rasters(tmp_path_factory) -> dict[str, Path]:
    """One 12-band L2A raster per CRS."""
    folder = tmp_path_factory.mktemp("rasters")
    return {
        crs: make_raster(folder / f"{crs.replace(':', '_')}.tif", case, *RASTER_SIZE[crs], seed=7)
        for crs, case in CASES.items()
    }


@pytest.fixture(scope="module")
def head_package(tmp_path_factory) -> Path:
    """The bundled package plus three heads: land cover on tiles, a climate class on
    locations, two perception scores on photos (random weights, for the plumbing)."""
    from gair_qgis.runtime.package import load_package, write_package

    base = load_package(UNTRAINED_TWIN)
    rng = np.random.default_rng(11)
    d = base.embed_dim

    def head_npz(sizes: list[int]) -> bytes:
        import io

        arrays = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            arrays[f"weight_{i}"] = rng.normal(0, 0.3, (n_out, n_in)).astype(np.float32)
            arrays[f"bias_{i}"] = rng.normal(0, 0.1, n_out).astype(np.float32)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    heads = [
        {
            "name": "landcover",
            "task": "classification",
            "input": "rs_global",
            "file": "head_landcover.npz",
            "labels": ["water", "urban", "forest"],
        },
        {
            "name": "climate",
            "task": "classification",
            "input": "location",
            "file": "head_climate.npz",
            "labels": ["arid", "temperate"],
        },
        {
            "name": "perception",
            "task": "regression",
            "input": "sv",
            "file": "head_perception.npz",
            "targets": ["safe", "lively"],
        },
    ]
    files = {name: base.root / name for name in base.meta["files"]}
    files.update(
        {
            "head_landcover.npz": head_npz([d, 16, 3]),
            "head_climate.npz": head_npz([d, 2]),
            "head_perception.npz": head_npz([d, 8, 2]),
        }
    )
    meta = {k: v for k, v in base.meta.items() if k not in ("files", "format_version")}
    meta.update(name="gair-tiny-with-heads", heads=heads)
    return write_package(tmp_path_factory.mktemp("pkg") / "with-heads", meta, files)


def predict(package: Path, head: str, embeddings: np.ndarray) -> np.ndarray:
    """A head applied by hand: affine layers, ReLU between, softmax for classifiers."""
    from gair_qgis.runtime.package import load_package

    pkg = load_package(package)
    spec = next(h for h in pkg.heads if h.name == head)
    x = embeddings.astype(np.float64)
    layers = pkg.head_layers(spec)
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        x = np.maximum(x, 0) if i < len(layers) - 1 else x
    if spec.task == "classification":
        x = np.exp(x - x.max(1, keepdims=True))
        x /= x.sum(1, keepdims=True)
    return x


def lattice_windows(crs: str, cols: int, rows: int) -> list[tuple[int, int, int, int]]:
    """Tiles of 2 km side by side from the raster's corner, the last ones shifted inside."""
    case = CASES[crs]
    y = case.top - rows * case.pixel / 2
    width, height = default_tile_size(case, y if crs == "EPSG:4326" else 0.0, cols, rows)
    starts_x = sorted({min(i * width, cols - width) for i in range(-(-cols // width))})
    starts_y = sorted({min(j * height, rows - height) for j in range(-(-rows // height))})
    return [(c, r, width, height) for r in starts_y for c in starts_x]


# --- rsembed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("crs", list(CASES))
def test_rsembed_writes_each_tiles_global_embedding_and_fills_the_cache(tmp_path, gair_provider, rasters, photo, crs):
    raster = rasters[crs]
    result = run("rsembed", {"INPUT": str(raster), "OUTPUT_TYPE": 1, "OUTPUT": str(tmp_path / "global.tif")})
    windows = lattice_windows(crs, *RASTER_SIZE[crs])
    out = read_output(tmp_path / "global.tif")
    assert result["TILES"] == len(windows) == out.values.shape[1] * out.values.shape[2]
    for n, window in enumerate(windows):
        tile, _ = encode_window(raster, window)
        row, col = divmod(n, out.values.shape[2])
        np.testing.assert_allclose(out.values[:, row, col], tile.global_embedding, atol=1e-5, rtol=1e-5)
    case = CASES[crs]
    assert out.geotransform[0] == pytest.approx(case.left) and out.geotransform[3] == pytest.approx(case.top)

    first = windows[0]
    tile_extent = (
        f"{case.left},{case.left + first[2] * case.pixel},{case.top - first[3] * case.pixel},{case.top} [{crs}]"
    )
    x, y = case.left + 50 * case.pixel, case.top - 60 * case.pixel
    heat = run(
        "svheatmap",
        {
            "INPUT": str(raster),
            "SV_IMAGE": str(photo),
            "SV_POINT": f"{x},{y} [{crs}]",
            "TILE_EXTENT": tile_extent,
            "OUTPUT": str(tmp_path / "heat.tif"),
        },
    )
    assert heat["ENCODED_TILES"] == 0  # encoded by rsembed


def test_rsembed_pca_view_and_stride(tmp_path, gair_provider, rasters):
    raster = rasters["EPSG:32632"]
    result = run(
        "rsembed",
        {"INPUT": str(raster), "STRIDE": 0.5, "OUTPUT_TYPE": 2, "PIXEL_SIZE": 20, "OUTPUT": str(tmp_path / "pca.tif")},
    )
    out = read_output(tmp_path / "pca.tif")
    assert result["TILES"] == 4  # 200 px tiles every 100 px over 240 x 230 px, deduplicated at the edges
    assert out.values.shape == (3, 115, 120) and out.descriptions == ("pc1", "pc2", "pc3")
    assert np.isfinite(out.values).all() and (out.values != -9999).all() and out.values[0].std() > 0
    with pytest.raises(QgsProcessingException, match="set OUTPUT, or choose OUTPUT_TYPE 0"):
        run("rsembed", {"INPUT": str(raster), "OUTPUT_TYPE": 2})


# --- locationraster ----------------------------------------------------------------------------


@pytest.mark.parametrize("crs", list(CASES))
def test_locationraster_embedding_equals_the_location_encoder_at_pixel_centres(tmp_path, gair_provider, crs):
    case = CASES[crs]
    x0, y0 = to_crs(*case.lonlat, crs)
    size = 2000 if crs != "EPSG:4326" else 0.02
    if crs == "EPSG:2264":
        size = 6000
    extent = f"{x0},{x0 + size},{y0 - size * 0.75},{y0} [{crs}]"
    run(
        "locationraster",
        {
            "EXTENT": extent,
            "PIXEL_SIZE": size / 20,
            "OUTPUT_TYPE": 1,
            "TOLERANCE": 0,
            "OUTPUT": str(tmp_path / "emb.tif"),
        },
    )
    out = read_output(tmp_path / "emb.tif")
    assert out.values.shape == (runtime().package.embed_dim, 15, 20)
    x, y = out.centres()
    lon, lat = to_lonlat(x.ravel(), y.ravel(), crs)
    expected = runtime().encode_location(np.stack([lon, lat], axis=1))
    np.testing.assert_allclose(out.values.reshape(out.values.shape[0], -1).T, expected, atol=1e-4, rtol=1e-4)
    # the default tolerance (0.001) interpolates between lattice nodes where the pixels allow
    run(
        "locationraster",
        {"EXTENT": extent, "PIXEL_SIZE": size / 20, "OUTPUT_TYPE": 1, "OUTPUT": str(tmp_path / "interpolated.tif")},
    )
    interpolated = read_output(tmp_path / "interpolated.tif").values
    assert np.abs(interpolated.reshape(interpolated.shape[0], -1).T - expected).max() < 1e-3

    run(
        "locationraster",
        {
            "EXTENT": extent,
            "PIXEL_SIZE": size / 20,
            "OUTPUT_TYPE": 2,
            "TOLERANCE": 0,
            "REFERENCE_POINT": f"{case.lonlat[0]},{case.lonlat[1]} [EPSG:4326]",
            "OUTPUT": str(tmp_path / "sim.tif"),
        },
    )
    similarity = read_output(tmp_path / "sim.tif").values[0].ravel()
    reference = runtime().encode_location(np.array([case.lonlat]))[0]
    cosine = expected @ reference / np.linalg.norm(expected, axis=1) / np.linalg.norm(reference)
    np.testing.assert_allclose(similarity, cosine, atol=1e-4)


def test_locationraster_pca_photo_reference_and_errors(tmp_path, gair_provider, photo, monkeypatch):
    extent = "9.10,9.30,48.70,48.80 [EPSG:4326]"
    run("locationraster", {"EXTENT": extent, "OUTPUT": str(tmp_path / "pca.tif")})  # defaults: PCA, 256 px across
    out = read_output(tmp_path / "pca.tif")
    assert out.values.shape == (3, 128, 256) and out.values[0].std() > 0
    run(
        "locationraster",
        {
            "EXTENT": extent,
            "PIXEL_SIZE": 0.02,
            "OUTPUT_TYPE": 2,
            "REFERENCE_IMAGE": str(photo),
            "OUTPUT": str(tmp_path / "photo.tif"),
        },
    )
    values = read_output(tmp_path / "photo.tif").values[0]
    assert values.shape == (5, 10) and (np.abs(values) <= 1).all()
    with pytest.raises(QgsProcessingException, match=r"needs a reference: set '.+' \(REFERENCE_IMAGE\)"):
        run("locationraster", {"EXTENT": extent, "OUTPUT_TYPE": 2, "OUTPUT": str(tmp_path / "x.tif")})
    monkeypatch.setenv("GAIR_MAX_PIXELS", "100")
    with pytest.raises(QgsProcessingException, match=r"needs 32768 pixels, more than the limit of 100"):
        run("locationraster", {"EXTENT": extent, "OUTPUT": str(tmp_path / "y.tif")})
    assert not (tmp_path / "x.tif").exists() and not (tmp_path / "y.tif").exists()


# --- tilepredict -------------------------------------------------------------------------------


@pytest.mark.parametrize("crs", list(CASES))
def test_tilepredict_applies_the_package_heads_to_every_tile(tmp_path, gair_provider, rasters, head_package, crs):
    raster = rasters[crs]
    result = run(
        "tilepredict",
        {
            "INPUT": str(raster),
            "MODEL": str(head_package),
            "OUTPUT": str(tmp_path / "tiles.gpkg"),
            "OUTPUT_RASTER": str(tmp_path / "tiles.tif"),
        },
    )
    windows = lattice_windows(crs, *RASTER_SIZE[crs])
    layer = QgsVectorLayer(str(tmp_path / "tiles.gpkg"), "tiles")
    features = sorted(layer.getFeatures(), key=lambda f: f["tile"])
    assert result["TILES"] == len(features) == len(windows)
    assert layer.crs().authid() == crs
    embeddings = np.stack([encode_window(raster, w, package=str(head_package))[0].global_embedding for w in windows])
    expected = predict(head_package, "landcover", embeddings)
    labels = ["water", "urban", "forest"]
    for feature, probabilities in zip(features, expected):
        np.testing.assert_allclose([feature[f"landcover_p_{label}"] for label in labels], probabilities, atol=1e-5)
        assert feature["landcover"] == labels[int(probabilities.argmax())]
        assert feature["climate"] in ("arid", "temperate")
    case = CASES[crs]
    (c, r, w, h) = windows[0]
    box = features[0].geometry().boundingBox()
    assert box.xMinimum() == pytest.approx(case.left + c * case.pixel) and box.width() == pytest.approx(w * case.pixel)
    grid = read_output(tmp_path / "tiles.tif")
    assert grid.values.shape[0] == 1 + 3 + 1 + 2  # class index + 3 probabilities, class index + 2
    left, step_x, _, top, _, step_y = grid.geotransform
    cols, rows = RASTER_SIZE[crs]
    right, bottom = left + grid.values.shape[2] * step_x, top + grid.values.shape[1] * step_y
    assert (left, top) == pytest.approx((case.left, case.top))  # never past the raster's edge:
    assert case.left + cols * case.pixel - step_x < right <= case.left + cols * case.pixel + 1e-9 * abs(step_x)
    assert case.top - rows * case.pixel - step_y > bottom >= case.top - rows * case.pixel - 1e-9 * abs(step_y)
    for (c, r, w, h), probabilities in zip(windows, expected):  # each tile's own pixels carry its values
        x, y = case.left + (c + w - 1) * case.pixel, case.top - (r + h - 1) * case.pixel  # inside its far corner
        pixel = grid.values[1:4, int((y - top) / step_y), int((x - left) / step_x)]
        np.testing.assert_allclose(pixel, probabilities, atol=1e-5)


def test_tilepredict_says_when_the_package_has_no_heads(tmp_path, gair_provider, rasters):
    from gair_qgis.runtime.package import load_package, write_package

    base = load_package(UNTRAINED_TWIN)  # the bundled package carries benchmark heads: a copy without them
    files = {n: base.root / n for n in base.meta["files"] if not n.startswith("heads/")}
    meta = {k: v for k, v in base.meta.items() if k not in ("files", "format_version")}
    headless = write_package(tmp_path / "no-heads", dict(meta, heads=[]), files)
    with pytest.raises(QgsProcessingException, match="has no prediction head for tiles"):
        run(
            "tilepredict",
            {"INPUT": str(rasters["EPSG:32632"]), "MODEL": str(headless), "OUTPUT": str(tmp_path / "t.gpkg")},
        )
    assert not (tmp_path / "t.gpkg").exists()


# --- svpoints ----------------------------------------------------------------------------------


def photo_points(tmp_path: Path, photo: Path, points: list[tuple[float, float]], crs: str) -> QgsVectorLayer:
    """A memory point layer with a `photo` field; the last point has an unreadable photo."""
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    layer = QgsVectorLayer(f"Point?crs={crs}", "photos", "memory")
    layer.dataProvider().addAttributes([compat.field("name", "string"), compat.field("photo", "string")])
    layer.updateFields()
    features = []
    for n, (x, y) in enumerate(points):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        feature.setAttributes([f"p{n}", str(bad if n == len(points) - 1 else photo)])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.mark.parametrize("crs", list(CASES))
def test_svpoints_adds_similarity_and_head_predictions(tmp_path, gair_provider, rasters, head_package, photo, crs):
    case = CASES[crs]
    cols, rows = RASTER_SIZE[crs]
    inside = [
        (case.left + 40.3 * case.pixel, case.top - 55.6 * case.pixel),
        (case.left + 200.1 * case.pixel, case.top - 170.2 * case.pixel),
    ]
    outside = (case.left - 30 * case.pixel, case.top + 30 * case.pixel)
    lonlat = [to_lonlat(np.array([x]), np.array([y]), crs) for x, y in inside + [outside, inside[0]]]
    layer = photo_points(tmp_path, photo, [(float(lon[0]), float(lat[0])) for lon, lat in lonlat], "EPSG:4326")
    result = run(
        "svpoints",
        {
            "INPUT": layer,
            "PHOTO_FIELD": "photo",
            "RASTER": str(rasters[crs]),
            "MODEL": str(head_package),
            "OUTPUT": str(tmp_path / "points.gpkg"),
        },
    )
    out = {f["name"]: f for f in QgsVectorLayer(str(tmp_path / "points.gpkg"), "p").getFeatures()}
    assert result["EVALUATED"] == 2 and len(out) == 4
    assert out["p2"]["gair_sim"] is None or str(out["p2"]["gair_sim"]) == "NULL"  # outside the raster
    assert str(out["p3"]["gair_sim"]) == "NULL"  # unreadable photo
    pooled, _ = runtime(str(head_package)).encode_photo(photo)
    for name, (x, y) in zip(("p0", "p1"), inside):
        window = tuple(int(v) for v in out[name]["gair_tile"].split(","))
        assert window[2:] == default_tile_size(case, y if crs == "EPSG:4326" else 0.0, cols, rows)
        expected = reference_similarity(rasters[crs], window, photo, np.array([x]), np.array([y]))
        assert out[name]["gair_sim"] == pytest.approx(float(expected[0]), abs=1e-4)  # point moved through lon/lat
        perception = predict(head_package, "perception", pooled[None])[0]
        assert [out[name]["perception_safe"], out[name]["perception_lively"]] == pytest.approx(perception, abs=1e-5)
        assert out[name]["landcover"] in ("water", "urban", "forest")
