using System.Buffers.Binary;
using System.IO.Compression;

namespace VerifiedIpc.Report.Tests;

/// <summary>A minimal PNG reader (8-bit RGB/RGBA, non-interlaced: what Chromium's screenshots are) for pixel checks.</summary>
internal sealed class Png
{
    private Png(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Three bytes per pixel, row by row.</summary>
    public byte[] Rgb { get; }

    public (byte R, byte G, byte B) this[int x, int y] => (Rgb[(y * Width + x) * 3], Rgb[(y * Width + x) * 3 + 1], Rgb[(y * Width + x) * 3 + 2]);

    public static Png Read(byte[] file)
    {
        ReadOnlySpan<byte> sig = [137, 80, 78, 71, 13, 10, 26, 10];
        if (!file.AsSpan(0, 8).SequenceEqual(sig)) throw new InvalidDataException("not a PNG");
        int width = 0, height = 0, colorType = -1;
        using var idat = new MemoryStream();
        var pos = 8;
        while (pos + 8 <= file.Length)
        {
            var len = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            var data = file.AsSpan(pos + 8, len);
            switch (type)
            {
                case "IHDR":
                    width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                    height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    if (data[8] != 8 || data[12] != 0) throw new InvalidDataException($"unsupported PNG: bit depth {data[8]}, interlace {data[12]}");
                    colorType = data[9];
                    if (colorType is not (2 or 6)) throw new InvalidDataException($"unsupported PNG colour type {colorType}");
                    break;
                case "IDAT": idat.Write(data); break;
                case "IEND": pos = file.Length; continue;
            }
            pos += 12 + len;
        }
        var bpp = colorType == 6 ? 4 : 3;
        var stride = width * bpp;
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new byte[(stride + 1) * height];
        z.ReadExactly(raw);
        var cur = new byte[stride];
        var prev = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            Array.Copy(raw, y * (stride + 1) + 1, cur, 0, stride);
            for (var i = 0; i < stride; i++)
            {
                int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                cur[i] = (byte)(cur[i] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"bad PNG filter {filter} in row {y}"),
                });
            }
            for (var x = 0; x < width; x++)
            {
                rgb[(y * width + x) * 3] = cur[x * bpp];
                rgb[(y * width + x) * 3 + 1] = cur[x * bpp + 1];
                rgb[(y * width + x) * 3 + 2] = cur[x * bpp + 2];
            }
            (cur, prev) = (prev, cur);
        }
        return new Png(width, height, rgb);
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Pixels within <paramref name="tolerance"/> of a colour, in a region.</summary>
    public int Count((int R, int G, int B) color, int tolerance, int x0 = 0, int y0 = 0, int x1 = int.MaxValue, int y1 = int.MaxValue)
    {
        var n = 0;
        for (var y = y0; y < Math.Min(y1, Height); y++)
            for (var x = x0; x < Math.Min(x1, Width); x++)
            {
                var (r, g, b) = this[x, y];
                if (Math.Abs(r - color.R) <= tolerance && Math.Abs(g - color.G) <= tolerance && Math.Abs(b - color.B) <= tolerance) n++;
            }
        return n;
    }
}
