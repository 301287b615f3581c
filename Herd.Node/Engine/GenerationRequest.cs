using Herd.Node.Model.Lora;

namespace Herd.Node.Engine;

/// <summary>A tokenized prompt and how to continue it.</summary>
/// <param name="Adapters">The LoRA adapters the sequence runs with, and their weights; null for the base model alone.</param>
public sealed record GenerationRequest(string Id, IReadOnlyList<int> PromptTokens, SamplingParameters Sampling, AdapterBlend? Adapters = null);
