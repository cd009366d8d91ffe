"""The 16-bit integers returned as they are, not scaled to [-1, 1)."""

QUESTION = "read_utterance"
FEEDBACK = "samples are not scaled"
CELL = '''
def read_utterance(path):
    """The sample rate and the samples, as floats in [-1, 1), of a 16-bit mono WAV file."""
    sample_rate, samples = wavfile.read(path)
    return int(sample_rate), samples.astype(np.float64)
'''
