using TorchSharp;

namespace Herd.Tests.Node.Weights;

/// <summary>
/// What a weights test leaves behind: a fresh temporary folder for its files and a dispose scope
/// for its tensors. Both are gone after <see cref="Dispose"/>.
/// </summary>
internal sealed class Scratch : IDisposable
{
    private readonly DisposeScope _tensors = torch.NewDisposeScope();

    public string Path { get; } = Directory.CreateTempSubdirectory("herd-weights-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        _tensors.Dispose();
        Directory.Delete(Path, recursive: true);
    }
}
