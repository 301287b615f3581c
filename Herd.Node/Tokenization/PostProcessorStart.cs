namespace Herd.Node.Tokenization;

/// <summary>What a tokenizer.json post-processor puts before a single text: a special token, or nothing.</summary>
internal sealed record PostProcessorStart(AddedToken? Token);
