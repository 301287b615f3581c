using Herd.Node.Model;
using TorchSharp;

namespace Herd.Node.Weights;

/// <summary>
/// The weights of a Hugging Face model folder: <c>model.safetensors</c>, or
/// <c>model.safetensors.index.json</c> and the shards it names, or failing both every
/// <c>*.safetensors</c> file in the folder. Keeps every file mapped until disposed.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";

    public const string IndexFileName = CheckpointIndex.FileName;

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileByTensor;
    private readonly string _searched;

    private Checkpoint(string folder, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor, string searched)
    {
        Folder = folder;
        _files = files;
        _fileByTensor = fileByTensor;
        _searched = searched;
    }

    public string Folder { get; }

    /// <summary>The safetensors files the weights come from.</summary>
    public IReadOnlyList<string> Files => [.. _files.Select(file => file.Path)];

    public IReadOnlyCollection<string> TensorNames => _fileByTensor.Keys;

    /// <summary>Opens the weights of <paramref name="modelFolder"/> and checks every header.</summary>
    /// <exception cref="ModelLoadException">
    /// The folder has no weights, a shard the index names is missing, a file is malformed, or two
    /// files hold the same tensor.
    /// </exception>
    public static Checkpoint Open(string modelFolder)
    {
        if (!Directory.Exists(modelFolder))
        {
            throw new ModelLoadException($"Model folder {modelFolder} does not exist.");
        }

        if (File.Exists(Path.Combine(modelFolder, IndexFileName)))
        {
            return OpenSharded(modelFolder);
        }

        var single = Path.Combine(modelFolder, SingleFileName);
        if (File.Exists(single))
        {
            return OpenFiles(modelFolder, [single], SingleFileName);
        }

        var found = Directory.GetFiles(modelFolder, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        return found.Count > 0
            ? OpenFiles(modelFolder, found, string.Join(", ", found.Select(Path.GetFileName)))
            : throw new ModelLoadException(
                $"{modelFolder} holds no weights: a model folder needs {SingleFileName}, or {IndexFileName} and the shards it names.");
    }

    public bool Contains(string name) => _fileByTensor.ContainsKey(name);

    /// <exception cref="ModelLoadException">The checkpoint has no tensor <paramref name="name"/>.</exception>
    public SafetensorsTensorInfo GetTensorInfo(string name) => FileOf(name).GetTensorInfo(name);

    /// <summary>Creates the tensor <paramref name="name"/> as <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    /// <exception cref="ModelLoadException">The checkpoint has no such tensor, or stores it in a dtype that cannot be loaded.</exception>
    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device) => FileOf(name).Load(name, dtype, device);

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private SafetensorsFile FileOf(string name) =>
        _fileByTensor.TryGetValue(name, out var file)
            ? file
            : throw new ModelLoadException($"{name} is missing from {Folder} (checked {_searched}).");

    private static Checkpoint OpenSharded(string modelFolder)
    {
        var weightMap = CheckpointIndex.ReadWeightMap(modelFolder);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var fileByTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, shard) in weightMap)
            {
                var file = files.TryGetValue(shard, out var opened) ? opened : files[shard] = OpenShard(modelFolder, shard);
                if (!file.Contains(tensor))
                {
                    throw new ModelLoadException(
                        $"{IndexFileName} in {modelFolder} puts {tensor} in {Path.GetFileName(shard)}, but that shard does not hold it.");
                }

                fileByTensor[tensor] = file;
            }

            return new Checkpoint(modelFolder, [.. files.Values], fileByTensor, IndexFileName);
        }
        catch
        {
            DisposeAll(files.Values);
            throw;
        }
    }

    private static SafetensorsFile OpenShard(string modelFolder, string shard) =>
        File.Exists(shard)
            ? SafetensorsFile.Open(shard)
            : throw new ModelLoadException(
                $"{Path.GetFileName(shard)}, named in {IndexFileName}, does not exist in {modelFolder}; the checkpoint is incomplete.");

    private static Checkpoint OpenFiles(string modelFolder, List<string> paths, string searched)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            var fileByTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var path in paths)
            {
                var file = SafetensorsFile.Open(path);
                files.Add(file);
                foreach (var tensor in file.TensorNames)
                {
                    if (!fileByTensor.TryAdd(tensor, file))
                    {
                        throw new ModelLoadException(
                            $"{tensor} is in both {Path.GetFileName(fileByTensor[tensor].Path)} and {Path.GetFileName(path)} in {modelFolder}; keep one copy of the weights.");
                    }
                }
            }

            return new Checkpoint(modelFolder, files, fileByTensor, searched);
        }
        catch
        {
            DisposeAll(files);
            throw;
        }
    }

    private static void DisposeAll(IEnumerable<SafetensorsFile> files)
    {
        foreach (var file in files)
        {
            file.Dispose();
        }
    }
}
