namespace Herd.Node.Cli.Bench;

/// <summary>A two-column Markdown table, written a row at a time so a long run shows progress.</summary>
internal sealed class BenchReport
{
    private readonly TextWriter _output;

    public BenchReport(TextWriter output)
    {
        _output = output;
        _output.WriteLine("| measure | value |");
        _output.WriteLine("| --- | --- |");
    }

    public void Row(string measure, string value)
    {
        _output.WriteLine($"| {measure} | {value} |");
        _output.Flush();
    }
}
