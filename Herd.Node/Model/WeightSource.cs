using TorchSharp;

namespace Herd.Node.Model;

/// <summary>
/// Hands a module the tensor stored under a Hugging Face name, already in the engine's dtype and
/// on its device. Modules take their weights at construction, so no memory is spent on random
/// initial values that loading would overwrite.
/// </summary>
public delegate torch.Tensor WeightSource(string name);
