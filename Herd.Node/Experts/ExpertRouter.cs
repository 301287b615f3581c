namespace Herd.Node.Experts;

/// <summary>
/// Picks the experts nearest to a prompt. The distance is Euclidean, between the prompt's unit
/// embedding and each expert's centroid; the <c>k</c> nearest are blended with weights
/// <c>w_i = exp(-d_i / T) / sum_j exp(-d_j / T)</c> over those k (a softmax of the negative
/// distances at temperature T), so they sum to 1 and the nearest weighs most.
/// </summary>
public static class ExpertRouter
{
    /// <param name="prompt">the prompt's embedding, as long as every centroid</param>
    /// <param name="experts">the experts to choose from (at least one)</param>
    /// <param name="topExperts">how many to blend; more than there are takes all</param>
    /// <returns>The chosen experts, nearest first, with their distances and weights.</returns>
    public static IReadOnlyList<RoutedExpert> Route(ReadOnlySpan<float> prompt, IReadOnlyList<Expert> experts, int topExperts, double temperature)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentOutOfRangeException.ThrowIfZero(experts.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(topExperts, 1);
        var distances = new (Expert Expert, double Distance)[experts.Count];
        for (var i = 0; i < experts.Count; i++)
        {
            distances[i] = (experts[i], Distance(prompt, experts[i].Centroid));
        }

        var nearest = distances.OrderBy(pair => pair.Distance).ThenBy(pair => pair.Expert.Name, StringComparer.Ordinal).Take(topExperts).ToList();
        // Shifted by the nearest distance so the exponentials never underflow to zero together.
        var closest = nearest[0].Distance;
        var scores = nearest.Select(pair => Math.Exp(-(pair.Distance - closest) / temperature)).ToList();
        var total = scores.Sum();
        return [.. nearest.Select((pair, i) => new RoutedExpert(pair.Expert, pair.Distance, scores[i] / total))];
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var difference = (double)a[i] - b[i];
            sum += difference * difference;
        }

        return Math.Sqrt(sum);
    }
}
