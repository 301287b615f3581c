namespace Herd.Node.Tokenization;

/// <summary>
/// A token matched as a whole wherever its text appears (Hugging Face's <c>added_tokens</c>).
/// Special ones (<c>&lt;|eot_id|&gt;</c>, <c>&lt;s&gt;</c>) are left out of decoded text.
/// </summary>
internal sealed record AddedToken(int Id, string Content, bool Special);
