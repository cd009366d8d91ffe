"""Filter edges evenly spaced in Hz instead of on the mel scale."""

QUESTION = "mel_filterbank"
FEEDBACK = "evenly spaced in Hz"
CELL = '''
def mel_filterbank(n_filters, n_fft, sample_rate):
    """Triangular filters with edges evenly spaced on the mel scale, on the FFT bin frequencies."""
    edges = np.linspace(0, sample_rate / 2, n_filters + 2)
    frequencies = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (frequencies - lower) / (centre - lower)
    falling = (upper - frequencies) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))
'''
