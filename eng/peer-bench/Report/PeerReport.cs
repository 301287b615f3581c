using System.Globalization;
using Herd.PeerBench.CrossCheck;

namespace Herd.PeerBench.Report;

/// <summary>
/// What the peer benchmark prints on standard output, in Markdown: a two-column table of what
/// ran (model, formats, threads, memory), the greedy cross-check, then the measures side by side:
/// each engine's median over the rounds with the range, and Herd's median over llama.cpp's.
/// </summary>
internal sealed class PeerReport(TextWriter output)
{
    private bool _settingsStarted;

    public void Setting(string name, string value)
    {
        if (!_settingsStarted)
        {
            output.WriteLine("| setting | value |");
            output.WriteLine("| --- | --- |");
            _settingsStarted = true;
        }

        output.WriteLine($"| {name} | {value} |");
        output.Flush();
    }

    public void CrossCheck(IReadOnlyList<GreedyComparison> comparisons, int steps)
    {
        output.WriteLine();
        output.WriteLine($"Greedy cross-check on the F32 GGUF (llama.cpp attending in float32), {steps} tokens a prompt (token ids):");
        output.WriteLine();
        output.WriteLine("| prompt | prompt tokens | same tokenization | Herd = llama.cpp | Herd | llama.cpp |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var comparison in comparisons)
        {
            var agreement = comparison.Agrees
                ? "yes"
                : string.Create(CultureInfo.InvariantCulture, $"no, from token {comparison.FirstDifference} (llama.cpp's choice {comparison.LogitGapAtFirstDifference:G3} above Herd's in its logits)");
            var tokenization = comparison.SameTokenization switch { true => "yes", false => "no", null => "(ids)" };
            output.WriteLine($"| {comparison.Prompt} | {comparison.PromptIds.Count} | {tokenization} | {agreement} | {string.Join(' ', comparison.Herd)} | {string.Join(' ', comparison.LlamaCpp)} |");
        }

        output.Flush();
    }

    public void Measures(IReadOnlyList<PeerMeasure> measures, int rounds)
    {
        output.WriteLine();
        output.WriteLine($"| measure (median of {rounds} rounds, range) | Herd | llama.cpp | Herd / llama.cpp |");
        output.WriteLine("| --- | --- | --- | --- |");
        foreach (var measure in measures)
        {
            var (herd, llama) = (PeerMeasure.Median(measure.Herd), PeerMeasure.Median(measure.LlamaCpp));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {measure.Name} | {Cell(measure.Herd, measure.Unit)} | {Cell(measure.LlamaCpp, measure.Unit)} | {herd / llama:F2}x |"));
        }

        output.Flush();
    }

    private static string Cell(List<double> values, string unit) => string.Create(CultureInfo.InvariantCulture,
        $"{PeerMeasure.Median(values):F1} {unit} ({values.Min():F1} to {values.Max():F1})");
}
