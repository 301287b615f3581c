using Herd.Node.Model;
using Herd.Node.Model.Lora;
using Herd.Node.Training;
using Herd.Tests.Node.Engine;
using static TorchSharp.torch;

namespace Herd.Tests.Node.Training;

/// <summary>The trainer's gradients, its loss going down, and its results repeating with a seed.</summary>
public sealed class LoraTrainerTests
{
    private static readonly TrainingExample[] Examples =
    [
        new([1, 17, 42, 5, 88, 23, 9, 2], 4),
        new([1, 33, 70, 14, 61, 3], 3),
        new([1, 5, 5, 5, 80, 81, 82, 83, 2], 5),
        new([1, 90, 12, 40, 41], 2),
    ];

    [Fact]
    public void Gradients_MatchFiniteDifferencesOfTheLoss()
    {
        var config = RandomModel.Config();
        using var model = new CausalLanguageModel(config, name => RandomModel.Weights(config)(name).to(float64), 64, float64, CPU, WeightStorage.Standard);
        var trainer = new LoraTrainer(model, new FineTuneSettings { Rank = 2, Alpha = 4, TargetModules = LoraModules.All });
        var matrices = TestMatrices(config);
        var parameters = matrices.Values.SelectMany(pair => new[] { pair.A, pair.B }).ToList();
        parameters.ForEach(parameter => parameter.requires_grad = true);

        trainer.Loss(Examples, matrices).backward();

        // A few entries of A and B across sites and layers: the loss moved by +-h against the gradient.
        const double h = 1e-6;
        foreach (var (key, matrix, row, column) in new[] { ((0, LoraModule.QProj), 'A', 0, 3), ((1, LoraModule.VProj), 'B', 5, 1), ((0, LoraModule.DownProj), 'A', 1, 7), ((1, LoraModule.UpProj), 'B', 2, 0) })
        {
            var tensor = matrix == 'A' ? matrices[key].A : matrices[key].B;
            var analytic = tensor.grad![row, column].item<double>();
            double LossWith(double delta)
            {
                using var noGrad = no_grad();
                tensor[row, column] += delta;
                var loss = trainer.Loss(Examples, matrices).item<double>();
                tensor[row, column] -= delta;
                return loss;
            }

            var numeric = (LossWith(h) - LossWith(-h)) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-6 + 1e-4 * Math.Abs(numeric), $"{key} {matrix}[{row},{column}]: autograd {analytic}, finite differences {numeric}");
        }
    }

    [Fact]
    public void Training_LowersTheLoss_AndRepeatsExactlyWithTheSameSeed()
    {
        var config = RandomModel.Config();
        var settings = new FineTuneSettings { Rank = 4, Alpha = 8, TargetModules = LoraModules.All, LearningRate = 1e-2, Epochs = 4, BatchSize = 2, Seed = 5 };
        using var model = new CausalLanguageModel(config, RandomModel.Weights(config), 64, float32, CPU, WeightStorage.Standard);

        var first = new LoraTrainer(model, settings).Train(Examples);
        var second = new LoraTrainer(model, settings).Train(Examples);
        var otherSeed = new LoraTrainer(model, settings with { Seed = 6 }).Train(Examples);

        Assert.True(first.EpochLosses[^1] < first.EpochLosses[0] * 0.9, $"losses by epoch: {string.Join(", ", first.EpochLosses)}");
        Assert.Equal(first.EpochLosses, second.EpochLosses);
        Assert.All(first.Matrices, pair => Assert.True(pair.Value.B.eq(second.Matrices[pair.Key].B).all().item<bool>()));
        Assert.False(first.Matrices[(0, LoraModule.QProj)].A.eq(otherSeed.Matrices[(0, LoraModule.QProj)].A).all().item<bool>());
    }

    private static Dictionary<(int Layer, LoraModule Module), (Tensor A, Tensor B)> TestMatrices(ModelConfig config) =>
        Adapters.TestAdapters.Matrices(config, rank: 2, LoraModules.All, seed: 9, scale: 0.3)
            .ToDictionary(pair => pair.Key, pair => (pair.Value.A.to(float64).detach(), pair.Value.B.to(float64).detach()));
}
