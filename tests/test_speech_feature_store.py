"""Writing a WAV folder's features to a zarr store: round trip, bounded memory, never replacing a foreign store."""

import tracemalloc

import numpy as np
import pytest
from scipy.io import wavfile

from gmmlib.outputs import NotGeneratedError
from gmmlib.speech import load_wav_folder, open_features_zarr, speech_features, write_features_zarr, write_wav

zarr = pytest.importorskip("zarr", reason="zarr is in the dask extra, which make installs")


def noise_folder(folder, n_files, seconds=1.0, sample_rate=16000):
    """``n_files`` recordings of noise on the 16-bit grid, named ``a_sNNN_0.wav``."""
    folder.mkdir()
    rng = np.random.default_rng(n_files)
    for index in range(n_files):
        signal = np.round(rng.uniform(-0.5, 0.5, int(seconds * sample_rate)) * 32768) / 32768
        write_wav(folder / f"a_s{index:03d}_0.wav", signal, sample_rate)
    return folder


@pytest.fixture
def mixed_folder(tmp_path):
    """Files at two rates and of several lengths (one shorter than a frame), and files to skip."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, rate, n_samples in [
        ("0_ann_0.wav", 16000, 5000),
        ("0_ann_1.wav", 16000, 300),
        ("1_ann_0.wav", 8000, 3000),
        ("1_bob_0.wav", 16000, 12000),
        ("2_bob_3.wav", 16000, 7000),
    ]:
        wavfile.write(folder / name, rate, (rng.normal(size=n_samples) * 3000).astype(np.int16))
    (folder / "3_bob_0.wav").write_bytes(b"RIFF, but not a WAV file")
    (folder / "notes.txt").write_text("not audio")
    return folder


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_store_holds_the_stacked_features_of_the_folder(mixed_folder, tmp_path, dtype):
    options = dict(n_deltas=1, dynamic_range_db=30.0)
    written = write_features_zarr(
        mixed_folder, tmp_path / "features.zarr", chunk_frames=16, dtype=dtype, progress=False, **options
    )
    corpus = load_wav_folder(mixed_folder)
    by_name = {u.name: speech_features(u.signal, corpus.sample_rate, **options) for u in corpus.utterances}
    assert written.files == sorted(by_name)
    assert written.sample_rate == corpus.sample_rate == 16000 and written.skipped == corpus.skipped
    assert written.options == options
    expected = np.vstack([by_name[name] for name in written.files]).astype(dtype)
    assert written.features.dtype == dtype and written.features.chunks == (16, 26)
    np.testing.assert_array_equal(written.features[:], expected)
    lengths = [len(by_name[name]) for name in written.files]
    np.testing.assert_array_equal(written.file_offsets, np.concatenate([[0], np.cumsum(lengths)]))
    for name in written.files:
        np.testing.assert_array_equal(written.frames_of(name), by_name[name].astype(dtype))
    # Opening it again gives the same store; dask reads the array as it is.
    again = open_features_zarr(tmp_path / "features.zarr")
    assert again.files == written.files and again.options == options
    dask_array = pytest.importorskip("dask.array")
    np.testing.assert_array_equal(dask_array.from_zarr(tmp_path / "features.zarr", component="features"), expected)


def test_options_choose_the_features_and_the_rate(mixed_folder, tmp_path):
    written = write_features_zarr(
        mixed_folder, tmp_path / "f.zarr", sample_rate=8000, kind="log_mel", n_deltas=0, progress=False
    )
    corpus = load_wav_folder(mixed_folder, sample_rate=8000)
    expected = np.vstack([speech_features(u.signal, 8000, kind="log_mel", n_deltas=0) for u in corpus.utterances])
    assert written.sample_rate == 8000 and written.features.shape == (len(expected), 26)
    # load_wav_folder orders by (speaker, label, index), the store by name: the same order here.
    np.testing.assert_allclose(written.features[:], expected, rtol=1e-6)


def test_every_chunk_is_written_once_and_memory_does_not_grow_with_the_folder(tmp_path, monkeypatch):
    writes = []
    append = zarr.Array.append

    def recording_append(array, data, *args, **kwargs):
        writes.append(len(data))
        return append(array, data, *args, **kwargs)

    monkeypatch.setattr(zarr.Array, "append", recording_append)
    small, large = noise_folder(tmp_path / "small", 4), noise_folder(tmp_path / "large", 40)
    write_features_zarr(small, tmp_path / "warm-up.zarr", chunk_frames=64, progress=False)  # imports, caches
    peaks, n_frames = [], []
    for folder in (small, large):
        writes.clear()
        tracemalloc.start()
        written = write_features_zarr(folder, tmp_path / f"{folder.name}.zarr", chunk_frames=64, progress=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        n_frames.append(written.features.shape[0])
        # Whole chunks, then the rest: no chunk is rewritten as frames arrive.
        assert all(count % 64 == 0 for count in writes[:-1]) and sum(writes) == n_frames[-1]
    # Holding every frame would add the features of 36 files (36 x 99 frames x 39 x 8 bytes = 1.1 MB).
    all_frames_growth = (n_frames[1] - n_frames[0]) * 39 * 8
    assert peaks[1] - peaks[0] < 0.25 * all_frames_growth, (peaks, all_frames_growth)


def test_a_store_it_did_not_write_is_never_replaced(mixed_folder, tmp_path):
    foreign = zarr.open_group(tmp_path / "theirs.zarr", mode="w")
    foreign.create_array("data", data=np.arange(5.0))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    (tmp_path / "a_file").write_text("keep me too")
    for target in ("theirs.zarr", "notes", "a_file"):
        with pytest.raises(NotGeneratedError, match=target):
            write_features_zarr(mixed_folder, tmp_path / target, progress=False)
    np.testing.assert_array_equal(zarr.open_group(tmp_path / "theirs.zarr", mode="r")["data"][:], np.arange(5.0))
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"
    assert (tmp_path / "a_file").read_text() == "keep me too"


def test_its_own_store_is_replaced_whole(mixed_folder, tmp_path):
    write_features_zarr(mixed_folder, tmp_path / "f.zarr", chunk_frames=8, progress=False)
    for path in mixed_folder.glob("[12]_*.wav"):
        path.unlink()
    written = write_features_zarr(mixed_folder, tmp_path / "f.zarr", chunk_frames=8, progress=False)
    assert written.files == ["0_ann_0.wav", "0_ann_1.wav"]
    assert written.features.shape[0] == written.file_offsets[-1]
    # No chunk of the first, longer run is left behind.
    chunk_files = [path for path in (tmp_path / "f.zarr" / "features").rglob("*") if path.name != "zarr.json"]
    assert sum(path.is_file() for path in chunk_files) == -(-written.features.shape[0] // 8)


def test_bad_options_are_refused_before_the_store_is_touched(mixed_folder, tmp_path):
    with pytest.raises(ValueError, match="kind must be one of"):
        write_features_zarr(mixed_folder, tmp_path / "f.zarr", kind="plp", progress=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'n_cepstrum'"):
        write_features_zarr(mixed_folder, tmp_path / "f.zarr", n_cepstrum=12, progress=False)
    with pytest.raises(ValueError, match="dtype must be one of 'float32', 'float64'"):
        write_features_zarr(mixed_folder, tmp_path / "f.zarr", dtype="int8", progress=False)
    with pytest.raises(TypeError, match="chunk_frames must be an integer"):
        write_features_zarr(mixed_folder, tmp_path / "f.zarr", chunk_frames=1.5, progress=False)
    assert not (tmp_path / "f.zarr").exists()


def test_an_unfinished_store_cannot_be_opened(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no audio here")
    with pytest.raises(ValueError, match=r"holds no usable .*\(1 skipped\)"):
        write_features_zarr(tmp_path / "empty", tmp_path / "f.zarr", progress=False)
    assert not (tmp_path / "f.zarr").exists()  # found while looking for the most common rate
    with pytest.raises(ValueError, match=r"holds no usable .*\(1 skipped\)"):
        write_features_zarr(tmp_path / "empty", tmp_path / "f.zarr", sample_rate=16000, progress=False)
    with pytest.raises(ValueError, match="is not a complete feature store"):
        open_features_zarr(tmp_path / "f.zarr")
    with pytest.raises(ValueError, match="is not a zarr feature store"):
        open_features_zarr(tmp_path / "missing.zarr")


def test_progress_bar_counts_the_files(mixed_folder, tmp_path, capsys):
    write_features_zarr(mixed_folder, tmp_path / "f.zarr", progress=True)
    err = capsys.readouterr().err
    assert "features: 100%" in err and "7/7" in err  # 7 files looked at: 5 taken, 2 skipped
