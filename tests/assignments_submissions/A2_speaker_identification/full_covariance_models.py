"""Speaker models with GaussianMixture's default full covariances instead of diagonal ones."""

QUESTION = "speaker_models"
FEEDBACK = "use covariance_type='diag'"
CELL = '''
def train_speaker_models(features, speakers, n_components, seed):
    """A diagonal-covariance GaussianMixture per speaker, fitted on the stacked frames of their utterances."""
    models = {}
    for speaker in sorted(set(speakers)):
        frames = np.vstack([f for f, s in zip(features, speakers) if s == speaker])
        models[speaker] = GaussianMixture(n_components, random_state=seed).fit(frames)
    return models


def utterance_scores(models, features):
    """The summed frame log-likelihood of one utterance under each speaker's model."""
    return {speaker: float(np.sum(model.score_samples(features))) for speaker, model in models.items()}


def identify_speaker(models, features):
    """The speaker whose model gives the utterance the highest summed log-likelihood."""
    scores = utterance_scores(models, features)
    return max(scores, key=scores.get)
'''
