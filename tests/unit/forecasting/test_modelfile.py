import json

import numpy as np
import pytest

from fincast.errors import ModelFileError
from fincast.services.forecasting import modelfiles
from fincast.services.forecasting.compat import ExpenseForecaster
from fincast.services.forecasting.modelfiles import list_models, load_model_file, save_model_file
from fincast.services.forecasting.store import fit_and_save, load_forecaster, predict_from_file


@pytest.fixture()
def saved(tmp_path, panel):
    meta = fit_and_save(panel, 3, tmp_path, "panel")
    return tmp_path, meta


def test_round_trip_predicts_identically(saved, panel):
    d, meta = saved
    assert meta["kind"] == "fincast-panel" and len(meta["payload_sha256"]) == 64
    assert meta["training_span"] and meta["features"]
    model = load_forecaster(d, "panel")
    a = model.predict(3, [95])
    b = predict_from_file(None, d, "panel", 3, [95])
    np.testing.assert_allclose(a["fincast"], b["fincast"])
    assert [m["name"] for m in list_models(d)] == ["panel"]


def test_tampered_payload_is_refused(saved):
    d, _ = saved
    path = d / "panel.npz"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="hash mismatch"):
        load_forecaster(d, "panel")


def test_tampered_metadata_or_other_key_is_refused(saved, monkeypatch):
    d, _ = saved
    meta_path = d / "panel.meta.json"
    meta = json.loads(meta_path.read_text())
    meta["horizon"] = 99
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="signature"):
        load_forecaster(d, "panel")
    assert list_models(d)[0]["valid"] is False


def test_incompatible_version_and_objects_refused(tmp_path):
    save_model_file(tmp_path, "m", "x", {"a": np.arange(3)})
    meta = json.loads((tmp_path / "m.meta.json").read_text())
    meta["format_version"] = 999
    meta["signature"] = modelfiles.sign(meta)
    (tmp_path / "m.meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="format version"):
        load_model_file(tmp_path, "m")
    with pytest.raises(ModelFileError, match="Python objects"):
        save_model_file(tmp_path, "o", "x", {"a": np.array([{"x": 1}], dtype=object)})


def test_legacy_save_load_refits_forest(tmp_path, monthly):
    model = ExpenseForecaster(n_estimators=10)
    X, y = model.prepare_data(monthly)
    model.train(X, y)
    model.save(tmp_path / "expense_model.pkl")
    again = ExpenseForecaster().load(tmp_path / "expense_model.pkl")
    assert again.feature_importance() == model.feature_importance()


def test_a_flipped_payload_byte_is_listed_as_invalid(saved):
    d, _ = saved
    path = d / "panel.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    [entry] = list_models(d)
    assert entry["valid"] is False
    assert "hash mismatch" in entry["error"]
    path.unlink()
    [entry] = list_models(d)
    assert entry["valid"] is False and "payload unreadable" in entry["error"]


def test_a_household_model_laid_out_by_another_version_is_rebuilt_not_served(tmp_path):
    from fincast.services.forecasting import household
    from tests.support.population import with_population

    folder = with_population(tmp_path / "models")
    _, arrays = load_model_file(folder, household.POPULATION_MODEL, kind=household.KIND)
    old = dict(arrays)
    old["quantiles"] = arrays["quantiles"][:-2]  # an earlier release had two classes fewer
    save_model_file(folder, household.POPULATION_MODEL, household.KIND, old, {"trained_on": "old"})
    household._loaded.pop(folder, None)
    _, model = household.versioned_population_model(folder)
    assert model.quantiles_.shape == arrays["quantiles"].shape
    assert household.read_metadata(folder, household.POPULATION_MODEL)["trained_on"] != "old"


def test_a_panel_model_saved_before_calibration_by_window_is_refused_by_name(saved):
    d, _ = saved
    _, arrays = load_model_file(d, "panel", kind="fincast-panel")
    old = {k: v for k, v in arrays.items() if k != "residual_windows"}
    save_model_file(d, "old", "fincast-panel", old)
    with pytest.raises(ModelFileError, match="predates calibration by window"):
        load_forecaster(d, "old")
    np.testing.assert_array_equal(
        load_forecaster(d, "panel").residual_windows_, arrays["residual_windows"]
    )
