// Area under the ROC curve of anomaly scores against 0/1 labels (1 = positive,
// higher score = more positive), computed as the Mann-Whitney U statistic with
// tied scores given their average rank, so a tie counts one half (as
// sklearn.metrics.roc_auc_score). Pure; thread-safe. Throws std::invalid_argument
// when the spans differ in length, a label is not 0 or 1, a score is NaN, or
// either class is empty (the AUC is then undefined).
#pragma once

#include <span>

namespace dais::agents {

double roc_auc(std::span<const double> scores, std::span<const int> labels);

}  // namespace dais::agents
