"""A fitted logistic regression in the form the claims stage reads (``LinearModel``)."""

from __future__ import annotations

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.stages.claims.linear import LinearModel


def linear_model(
    vectors: DictVectorizer,
    fitted: LogisticRegression,
    threshold: float,
    veto: float | None = None,
    min_weight: float = 0.0,
) -> LinearModel:
    """``fitted`` over the features of ``vectors``, its bias and weights rounded to 4 places,
    the weights sorted by feature and those below ``min_weight`` (absolute) dropped."""
    names = vectors.get_feature_names_out()
    weights = {
        str(n): round(float(w), 4)
        for n, w in zip(names, fitted.coef_[0], strict=True)
        if abs(w) >= min_weight
    }
    bias = round(float(fitted.intercept_[0]), 4)
    return LinearModel(bias, threshold, dict(sorted(weights.items())), veto)
