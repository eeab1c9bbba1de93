import numpy as np
import pandas as pd

from fincast.ml import global_windows, source_features


def test_source_features_use_only_the_past():
    rng = np.random.default_rng(0)
    y = rng.uniform(100, 200, 30)
    months = (np.arange(31) % 12) + 1
    base = source_features(y, months)
    t = 17
    changed = y.copy()
    changed[t:] = changed[t:] * 10 + 999  # perturb the target month and everything after
    again = source_features(changed, months)
    pd.testing.assert_frame_equal(base.iloc[: t + 1], again.iloc[: t + 1])
    assert not base.iloc[t + 1 :].equals(again.iloc[t + 1 :])


def test_global_windows_use_only_values_up_to_the_origin():
    rng = np.random.default_rng(1)
    y = rng.uniform(100, 200, 40)
    months = (np.arange(60) % 12) + 1
    origins = np.array([5, 12, 20])
    X, scale = global_windows(y, months, 6, origins)
    changed = y.copy()
    changed[21:] = -5000.0
    X2, scale2 = global_windows(changed, months, 6, origins)
    np.testing.assert_array_equal(np.nan_to_num(X, nan=-1), np.nan_to_num(X2, nan=-1))
    np.testing.assert_array_equal(scale, scale2)
    assert X.shape == (18, 23)
