"""Mel energies logged with log10 instead of the natural logarithm."""

QUESTION = "mfcc"
FEEDBACK = "use the natural logarithm"
CELL = '''
def mfcc(signal, sample_rate, n_filters=26, n_cepstra=13):
    """Mel-frequency cepstral coefficients, shape (n_frames, n_cepstra)."""
    signal = np.asarray(signal, dtype=np.float64)
    emphasised = np.append(signal[:1], signal[1:] - 0.97 * signal[:-1])
    length, step, n_fft = round(0.025 * sample_rate), round(0.010 * sample_rate), 512
    n_frames = 1 if len(signal) <= length else 1 + int(np.ceil((len(signal) - length) / step))
    padded = np.zeros((n_frames - 1) * step + length)
    padded[: len(signal)] = emphasised
    frames = np.stack([padded[t * step : t * step + length] for t in range(n_frames)])
    power = np.abs(np.fft.rfft(frames * np.hamming(length), n_fft)) ** 2 / n_fft
    energies = power @ mel_filterbank(n_filters, n_fft, sample_rate).T
    log_energies = np.log10(np.maximum(energies, np.finfo(float).eps))
    return scipy.fft.dct(log_energies, type=2, norm="ortho", axis=1)[:, :n_cepstra]
'''
