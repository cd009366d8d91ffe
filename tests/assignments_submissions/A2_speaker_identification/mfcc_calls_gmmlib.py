"""MFCCs taken from gmmlib.speech.mfcc with the assignment's settings instead of written: right numbers, no credit."""

QUESTION = "mfcc"
FEEDBACK = "mfcc calls gmmlib.speech.mfcc: write it yourself"
CELL = '''
def mfcc(signal, sample_rate, n_filters=26, n_cepstra=13):
    """Mel-frequency cepstral coefficients, shape (n_frames, n_cepstra)."""
    from gmmlib.speech import mfcc as gmmlib_mfcc

    options = {"n_fft": 512, "lifter": 0, "log_energy": False}
    return gmmlib_mfcc(signal, sample_rate, n_filters=n_filters, n_cepstra=n_cepstra, **options)
'''
