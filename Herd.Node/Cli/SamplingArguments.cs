using System.CommandLine;
using Herd.Node.Engine;

namespace Herd.Node.Cli;

/// <summary>The command-line options for sampling; unset ones keep the model's defaults.</summary>
internal sealed class SamplingArguments
{
    private readonly Option<int> _maxTokens = new("--max-tokens") { Description = "most tokens to generate", DefaultValueFactory = _ => 64 };
    private readonly Option<float?> _temperature = new("--temperature") { Description = "0 is greedy; unset uses the model's default" };
    private readonly Option<int?> _topK = new("--top-k") { Description = "keep the k most likely tokens (0: all)" };
    private readonly Option<float?> _topP = new("--top-p") { Description = "keep the most likely tokens up to this total probability" };
    private readonly Option<float?> _minP = new("--min-p") { Description = "drop tokens below this fraction of the best one's probability" };
    private readonly Option<float?> _repetitionPenalty = new("--repetition-penalty") { Description = "1 is off" };
    private readonly Option<float?> _frequencyPenalty = new("--frequency-penalty") { Description = "-2 to 2" };
    private readonly Option<float?> _presencePenalty = new("--presence-penalty") { Description = "-2 to 2" };
    private readonly Option<ulong?> _seed = new("--seed") { Description = "makes sampling reproducible" };
    private readonly Option<string[]> _stop = new("--stop") { Description = "end before this text (repeatable)", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _maxTokens, _temperature, _topK, _topP, _minP, _repetitionPenalty, _frequencyPenalty, _presencePenalty, _seed, _stop })
        {
            command.Add(option);
        }
    }

    public SamplingParameters Apply(ParseResult parsed, SamplingParameters defaults) => new SamplingOverrides
    {
        MaxTokens = parsed.GetValue(_maxTokens),
        Temperature = parsed.GetValue(_temperature),
        TopK = parsed.GetValue(_topK),
        TopP = parsed.GetValue(_topP),
        MinP = parsed.GetValue(_minP),
        RepetitionPenalty = parsed.GetValue(_repetitionPenalty),
        FrequencyPenalty = parsed.GetValue(_frequencyPenalty),
        PresencePenalty = parsed.GetValue(_presencePenalty),
        Seed = parsed.GetValue(_seed),
        Stop = parsed.GetValue(_stop),
    }.ApplyTo(defaults);
}
