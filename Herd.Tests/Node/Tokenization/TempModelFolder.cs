using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herd.Tests.Node.Tokenization;

/// <summary>A model folder of its own under the temporary directory, deleted with the test.</summary>
internal sealed class TempModelFolder : IDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Path { get; } = Directory.CreateTempSubdirectory("herd-tokenizer-").FullName;

    public string FilePath(string name) => System.IO.Path.Combine(Path, name);

    public void WriteJson(string name, JsonNode json) => File.WriteAllText(FilePath(name), json.ToJsonString(Indented));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
