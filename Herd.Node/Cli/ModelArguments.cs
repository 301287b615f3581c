using System.CommandLine;
using Herd.Node.Adapters;
using Herd.Node.Engine;
using Herd.Node.Experts;
using Herd.Node.Models;
using Herd.Node.Serving;
using Microsoft.Extensions.Logging;

namespace Herd.Node.Cli;

/// <summary>The command-line options that say which model to load and how to run it.</summary>
internal sealed class ModelArguments
{
    private readonly Option<string> _model = new("--model") { Description = $"A Hugging Face snapshot folder, or a built-in model: {string.Join(", ", BuiltInModels.All.Select(model => model.Name))}", DefaultValueFactory = _ => BuiltInModels.HerdTiny.Name };
    private readonly Option<string> _device = new("--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _dtype = new("--dtype") { Description = "auto (float32 on CPU, bfloat16 on CUDA), float32, bfloat16 or float16", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _weights = new("--weights") { Description = "how projections are stored for the native CPU kernels: auto (float32), f32, bf16 or q8 (int8 blocks of 32, as Q8_0)", DefaultValueFactory = _ => "auto" };
    private readonly Option<int> _threads = new("--threads") { Description = "libtorch CPU threads (0: libtorch's choice)" };
    private readonly Option<int> _maxContext;
    private readonly Option<int> _maxSequences;

    /// <summary>The <c>--model</c> option, for commands that read the model's folder before loading it.</summary>
    public Option<string> ModelOption => _model;

    /// <param name="defaultMaxContext">the longest sequence served unless --max-context says otherwise</param>
    public ModelArguments(int defaultMaxSequences, int defaultMaxContext = 4096)
    {
        _maxContext = new("--max-context") { Description = "longest sequence served, prompt and output (0: the model's own)", DefaultValueFactory = _ => defaultMaxContext };
        _maxSequences = new("--max-sequences") { Description = "sequences the engine runs at once", DefaultValueFactory = _ => defaultMaxSequences };
        _device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        _dtype.AcceptOnlyFromAmong("auto", "float32", "bfloat16", "float16");
        _weights.AcceptOnlyFromAmong("auto", "f32", "bf16", "q8");
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _device, _dtype, _weights, _threads, _maxContext, _maxSequences })
        {
            command.Add(option);
        }
    }

    /// <param name="syntheticTokensPerSecond">above 0, the benchmark engine instead of the model</param>
    /// <param name="adapters">the LoRA adapters requests may name; none when null</param>
    /// <param name="experts">the experts and how prompts are embedded for routing; none when null</param>
    /// <param name="weights">the weight format, whatever <c>--weights</c> says; null: <c>--weights</c></param>
    public ServedModel Load(ParseResult parsed, ILoggerFactory loggers, int maxBatchedTokens = 512, double syntheticTokensPerSecond = 0, AdapterOptions? adapters = null, ExpertOptions? experts = null, string? weights = null)
    {
        var maxSequences = parsed.GetValue(_maxSequences);
        var options = new ServedModelOptions
        {
            Device = parsed.GetRequiredValue(_device),
            Threads = parsed.GetValue(_threads),
            Engine = new EngineOptions
            {
                MaxSequences = maxSequences,
                MaxBatchedTokens = Math.Max(maxBatchedTokens, maxSequences + 1),
                MaxContextLength = parsed.GetValue(_maxContext),
                DType = parsed.GetRequiredValue(_dtype),
                Weights = weights ?? parsed.GetRequiredValue(_weights),
                SyntheticTokensPerSecond = syntheticTokensPerSecond,
            },
            Adapters = adapters ?? new AdapterOptions(),
            Experts = experts ?? new ExpertOptions(),
        };
        return ServedModel.Load(parsed.GetRequiredValue(_model), options, loggers);
    }
}
