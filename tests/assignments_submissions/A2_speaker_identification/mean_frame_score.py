"""Utterance scores as mean frame log-likelihoods (model.score) instead of their sum."""

QUESTION = "speaker_models"
FEEDBACK = "scores are mean frame log-likelihoods"
CELL = '''
def train_speaker_models(features, speakers, n_components, seed):
    """A diagonal-covariance GaussianMixture per speaker, fitted on the stacked frames of their utterances."""
    models = {}
    for speaker in sorted(set(speakers)):
        frames = np.vstack([f for f, s in zip(features, speakers) if s == speaker])
        models[speaker] = GaussianMixture(n_components, covariance_type="diag", random_state=seed).fit(frames)
    return models


def utterance_scores(models, features):
    """The summed frame log-likelihood of one utterance under each speaker's model."""
    return {speaker: float(model.score(features)) for speaker, model in models.items()}


def identify_speaker(models, features):
    """The speaker whose model gives the utterance the highest summed log-likelihood."""
    scores = utterance_scores(models, features)
    return max(scores, key=scores.get)
'''
