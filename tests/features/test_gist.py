"""GIST: shape, dtype, determinism, invariances, agreement with a direct LMgist transcription, pins."""
from __future__ import annotations

import numpy as np
import pytest

from hashlib_core.features import gist
from hashlib_core.features.gist import gabor_bank


def naive_lmgist(img: np.ndarray) -> np.ndarray:
    """LMgist (imageSize 32, [8 8 8 8], 4 blocks, fc 4, boundary 32) for one 32x32 image, float64.

    A direct transcription of LMgist.m / prefilt / gistGabor / createGabor / downN with numpy's
    full ``ifft2`` and explicit loops: independent of the vectorised implementation under test.
    """
    img = img.astype(np.float64)
    if img.ndim == 3:
        img = img.mean(axis=2)
    img = img - img.min()
    img = 255 * img / img.max()
    # prefilt
    w, fc = 5, 4
    s1 = fc / np.sqrt(np.log(2))
    x = np.pad(np.log(img + 1), w, mode="symmetric")
    n = x.shape[0]
    fx, fy = np.meshgrid(np.arange(-n / 2, n / 2), np.arange(-n / 2, n / 2))
    gf = np.fft.fftshift(np.exp(-(fx ** 2 + fy ** 2) / s1 ** 2))
    out = x - np.real(np.fft.ifft2(np.fft.fft2(x) * gf))
    localstd = np.sqrt(np.abs(np.fft.ifft2(np.fft.fft2(out ** 2) * gf)))
    out = (out / (0.2 + localstd))[w:n - w, w:n - w]
    # gistGabor
    be = 32
    padded = np.pad(out, be, mode="symmetric")
    N = padded.shape[0]
    spectrum = np.fft.fft2(padded)
    fx, fy = np.meshgrid(np.arange(-N / 2, N / 2), np.arange(-N / 2, N / 2))
    fr = np.fft.fftshift(np.sqrt(fx ** 2 + fy ** 2))
    t = np.fft.fftshift(np.angle(fx + 1j * fy))
    g = []
    for scale in range(4):
        for orientation in range(8):
            a, b, c, angle = 0.35, 0.3 / 1.85 ** scale, 16 * 8 ** 2 / 32 ** 2, np.pi / 8 * orientation
            tr = t + angle
            tr = tr + 2 * np.pi * (tr < -np.pi) - 2 * np.pi * (tr > np.pi)
            G = np.exp(-10 * a * (fr / N / b - 1) ** 2 - 2 * c * np.pi * tr ** 2)
            response = np.abs(np.fft.ifft2(spectrum * G))[be:N - be, be:N - be]
            v = np.zeros((4, 4))
            for xx in range(4):
                for yy in range(4):
                    v[xx, yy] = response[8 * xx:8 * xx + 8, 8 * yy:8 * yy + 8].mean()
            g.extend(v.flatten(order="F"))  # MATLAB reshape: column-major
    return np.array(g)


def _noise_image() -> np.ndarray:
    return np.random.default_rng(12345).integers(0, 256, (32, 32), dtype=np.uint8)


def _gradient_image() -> np.ndarray:
    i, j = np.mgrid[0:32, 0:32]
    return (4 * i + 3 * j).astype(np.uint8)


def test_shape_dtype_gray_and_colour():
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (3, 32, 32), dtype=np.uint8)
    colour = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    for images in (gray, colour):
        g = gist(images)
        assert g.shape == (len(images), 512) and g.dtype == np.float32
        assert np.isfinite(g).all() and (g >= 0).all() and g.max() > 0


def test_other_sizes_are_resized_to_32():
    images = np.random.default_rng(1).integers(0, 256, (2, 28, 28), dtype=np.uint8)  # MNIST-sized
    g = gist(images)
    assert g.shape == (2, 512) and np.isfinite(g).all()
    wide = np.random.default_rng(2).integers(0, 256, (1, 40, 64, 3), dtype=np.uint8)
    assert gist(wide).shape == (1, 512)


def test_parameters_change_the_dimension():
    images = np.random.default_rng(3).integers(0, 256, (2, 32, 32), dtype=np.uint8)
    assert gist(images, orientations_per_scale=(8, 8, 4), n_blocks=4).shape == (2, 20 * 16)
    assert gist(images, n_blocks=2).shape == (2, 32 * 4)


def test_matches_direct_lmgist_transcription():
    rng = np.random.default_rng(7)
    images = np.concatenate([rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8),
                             np.stack([_gradient_image()] * 3, axis=-1)[None]])
    ours = gist(images)
    for k, image in enumerate(images):
        np.testing.assert_allclose(ours[k], naive_lmgist(image), rtol=1e-4, atol=1e-7)


def test_pinned_values_of_known_images():
    # reference values from the float64 transcription above (LMgist semantics)
    g = gist(np.stack([_noise_image(), _gradient_image()]))
    idx = [0, 37, 130, 300, 511]
    np.testing.assert_allclose(g[0, idx], [0.112581428, 0.113728513, 0.0325034632, 0.0231700832, 0.00613701568],
                               rtol=1e-5)
    idx = [0, 130, 300, 511]
    np.testing.assert_allclose(g[1, idx], [0.0322303028, 0.0203939934, 0.00220533917, 0.00265742506], rtol=1e-5)


def test_deterministic_and_batch_independent():
    images = np.random.default_rng(4).integers(0, 256, (10, 32, 32, 3), dtype=np.uint8)
    a = gist(images)
    np.testing.assert_array_equal(a, gist(images))
    np.testing.assert_allclose(gist(images, batch_size=3), a, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gist(images[4:5]), a[4:5], rtol=1e-5, atol=1e-8)


def test_invariant_to_brightness_shift_and_contrast():
    image = np.random.default_rng(5).integers(20, 121, (1, 32, 32), dtype=np.uint8)  # no saturation below
    base = gist(image)
    shifted = gist(image + np.uint8(100))  # values 120..220: no clipping
    np.testing.assert_allclose(shifted, base, rtol=1e-5, atol=1e-8)
    doubled = gist(image * np.uint8(2))  # 40..240: the per-image [0, 255] rescaling removes the gain
    np.testing.assert_allclose(doubled, base, rtol=1e-5, atol=1e-8)
    different = gist(np.random.default_rng(6).integers(20, 121, (1, 32, 32), dtype=np.uint8))
    assert np.abs(different - base).max() > 1e-3  # the tolerance above is meaningful


def test_constant_image_gives_zeros_not_nan():
    g = gist(np.full((1, 32, 32), 77, dtype=np.uint8))
    assert np.isfinite(g).all() and np.abs(g).max() < 1e-6


def test_empty_batch():
    assert gist(np.zeros((0, 32, 32), dtype=np.uint8)).shape == (0, 512)


def test_gabor_bank_is_createGabor():
    G = gabor_bank(64)
    assert G.shape == (32, 64, 64)
    assert np.all((G >= 0) & (G <= 1))
    # the first filter (finest scale, orientation 0) peaks at radial frequency 0.3 * n on the fx axis
    peak = np.unravel_index(np.argmax(np.fft.fftshift(G[0])), (64, 64))
    assert peak[0] == 32 and abs(peak[1] - 32 - 0.3 * 64) <= 1


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 32, 32), dtype=np.float32), "uint8"),
    (np.zeros((32, 32), dtype=np.uint8), "shape"),
    (np.zeros((2, 32, 32, 3, 1), dtype=np.uint8), "shape"),
    (np.zeros((2, 0, 32), dtype=np.uint8), "shape"),
    ([[[0] * 32] * 32], "numpy uint8 array"),
])
def test_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        gist(bad)


def test_bad_parameters():
    images = np.zeros((1, 32, 32), dtype=np.uint8)
    with pytest.raises(ValueError, match="image_size"):
        gist(images, image_size=2, n_blocks=4)
    with pytest.raises(ValueError, match="bad parameters"):
        gist(images, orientations_per_scale=())


@pytest.mark.data
def test_cifar10_images_match_transcription(cifar10):
    images = cifar10.images[:3]
    ours = gist(images)
    for k in range(3):
        np.testing.assert_allclose(ours[k], naive_lmgist(images[k]), rtol=1e-4, atol=1e-7)
