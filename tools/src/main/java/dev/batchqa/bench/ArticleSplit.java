package dev.batchqa.bench;

import java.util.List;

/**
 * Splits questions by article, in article order: the first half of the articles (tuning, e.g. the null threshold) and
 * the second half (reporting). With an odd number of articles the first half gets {@code articles / 2} (rounded
 * down) of them.
 */
public record ArticleSplit(List<SquadDataset.Question> first, List<SquadDataset.Question> second, int firstArticles,
        int secondArticles) {

    public static ArticleSplit of(SquadDataset data) {
        int cut = data.articles() / 2;
        List<SquadDataset.Question> first = data.questions().stream().filter(q -> q.article() < cut).toList();
        List<SquadDataset.Question> second = data.questions().stream().filter(q -> q.article() >= cut).toList();
        return new ArticleSplit(first, second, cut, data.articles() - cut);
    }
}
