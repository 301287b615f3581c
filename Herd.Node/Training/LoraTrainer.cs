using Herd.Node.Model;
using Herd.Node.Model.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Herd.Node.Training;

/// <summary>
/// Trains a LoRA adapter on a base model with libtorch's autograd: the base weights stay frozen,
/// each targeted module gets A (drawn as PEFT draws it) and B (zero, so training starts from the
/// base model), and AdamW minimises the cross-entropy of the responses' tokens. With the same seed
/// and data on the same CPU and threads, the result is the same.
/// </summary>
public sealed class LoraTrainer(CausalLanguageModel model, FineTuneSettings settings)
{
    private const long IgnoredLabel = -100;

    /// <summary>
    /// Trains on <paramref name="examples"/> and returns the adapter's matrices and each epoch's
    /// mean loss. The model must be loaded with <see cref="WeightStorage.Standard"/> storage, so
    /// every product is differentiable.
    /// </summary>
    public TrainingResult Train(IReadOnlyList<TrainingExample> examples, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfZero(examples.Count);
        torch.manual_seed(settings.Seed);
        var matrices = Initial();
        var parameters = matrices.Values.SelectMany(pair => new[] { pair.A, pair.B }).Select(tensor => new TorchSharp.Modules.Parameter(tensor, requires_grad: true)).ToList();
        var trainable = new Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)>();
        var index = 0;
        foreach (var key in matrices.Keys)
        {
            trainable[key] = (parameters[index], parameters[index + 1]);
            index += 2;
        }

        using var optimizer = optim.AdamW(parameters, settings.LearningRate, weight_decay: 0);
        var random = new Random(settings.Seed);
        var stepsPerEpoch = (examples.Count + settings.BatchSize - 1) / settings.BatchSize;
        var epochLosses = new List<double>();
        for (var epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, examples.Count).ToArray();
            random.Shuffle(order);
            var total = 0.0;
            for (var step = 0; step < stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.Skip(step * settings.BatchSize).Take(settings.BatchSize).Select(i => examples[i]).ToList();
                var loss = Step(batch, trainable, optimizer);
                total += loss;
                progress?.Report(new TrainingProgress(epoch, settings.Epochs, step + 1, stepsPerEpoch, loss, total / (step + 1)));
            }

            epochLosses.Add(total / stepsPerEpoch);
        }

        return new TrainingResult(trainable.ToDictionary(pair => pair.Key, pair => (pair.Value.A.detach(), pair.Value.B.detach())), epochLosses);
    }

    private double Step(IReadOnlyList<TrainingExample> batch, Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> trainable, optim.Optimizer optimizer)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var loss = Loss(batch, trainable);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    /// <summary>
    /// The mean cross-entropy of the responses' tokens in <paramref name="batch"/> with an adapter
    /// of these matrices: a scalar tensor that gradients flow back from to A and B.
    /// </summary>
    public Tensor Loss(IReadOnlyList<TrainingExample> batch, IReadOnlyDictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> matrices)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(matrices);
        var longest = batch.Max(example => example.Tokens.Count);
        var ids = new long[batch.Count * longest];
        var labels = new long[batch.Count * longest];
        Array.Fill(labels, IgnoredLabel);
        for (var row = 0; row < batch.Count; row++)
        {
            var example = batch[row];
            for (var i = 0; i < example.Tokens.Count; i++)
            {
                ids[row * longest + i] = example.Tokens[i];
                // Position i predicts token i + 1: the labels are the inputs shifted left, responses only.
                if (i + 1 >= example.ResponseStart && i + 1 < example.Tokens.Count)
                {
                    labels[row * longest + i] = example.Tokens[i + 1];
                }
            }
        }

        using var adapter = LowRankAdapter.Build("training", model.Config, matrices.ToDictionary(pair => pair.Key, pair => new LoraMatrices(pair.Value.A, pair.Value.B, settings.Scale)), differentiable: true);
        using var context = model.EncodeContext(batch.Count, longest, AdapterBlend.Of(adapter));
        var inputIds = tensor(ids, [batch.Count, longest], dtype: int64, device: model.Device);
        var logits = model.Forward(inputIds, context, lastTokenOnly: false);
        var targets = tensor(labels, dtype: int64, device: model.Device);
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets, ignore_index: IgnoredLabel);
    }

    /// <summary>A as PEFT's default draws it (Kaiming-uniform, bound 1 / sqrt(in)), B zero.</summary>
    private Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> Initial()
    {
        using var generator = new Generator((ulong)settings.Seed, CPU);
        var matrices = new Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)>();
        for (var layer = 0; layer < model.Config.NumHiddenLayers; layer++)
        {
            foreach (var module in settings.TargetModules)
            {
                var (input, output) = module.Shape(model.Config);
                var bound = 1.0 / Math.Sqrt(input);
                var a = (rand([settings.Rank, input], generator: generator).mul_(2 * bound).sub_(bound)).to(model.DType, model.Device);
                var b = zeros([output, settings.Rank], dtype: model.DType, device: model.Device);
                matrices[(layer, module)] = (a, b);
            }
        }

        return matrices;
    }
}
