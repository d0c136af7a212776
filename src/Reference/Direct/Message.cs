namespace VerifiedIpc.Reference.Direct;

/// <summary>A received message and the process that sent it (the seed's <c>receive(src, msg)</c> result).</summary>
/// <typeparam name="T">Payload type.</typeparam>
/// <param name="Source">The sending process.</param>
/// <param name="Body">The payload, exactly as it was sent.</param>
public readonly record struct Message<T>(ProcessId Source, T Body);
