"""Speech: synthetic speech-like audio, WAV folders, MFCC features and GMM recognition.

Used in ``notebooks/04_speech_mfcc.ipynb``.
"""
