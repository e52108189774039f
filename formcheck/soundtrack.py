"""The source video's sound, carried into a video drawn from its frames (the annotated video).

Apart from :mod:`formcheck.video` because it is the only part of writing that reads a second
file while it writes: it follows the frames written, so that sound and picture are interleaved
in the file (a browser then streams both from the start) and stay in sync.

Example:
    >>> import numpy as np
    >>> from formcheck.video_sink import VideoSink
    >>> with VideoSink("out.mp4", width=360, height=640, fps=60, audio_from="lift.mp4") as sink:
    ...     sink.write(np.zeros((640, 360, 3), np.uint8))  # the sound up to it goes in with it
    >>> sink.has_audio          # False: lift.mp4 has no sound, and out.mp4 is silent
    False
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction

import av
import av.container
import av.error
from av.audio.stream import AudioStream

from formcheck.errors import FormcheckError

COPIED_CODECS = frozenset({"aac", "mp3", "ac3", "eac3", "alac"})
"""Sound codecs an mp4 holds as they are: copied packet for packet, so the sound loses
nothing. Any other (a phone's PCM in .mov, Opus or Vorbis in .webm) is re-encoded as AAC,
which every browser plays."""


class Soundtrack:
    """The first audio stream of ``source``, muxed into ``output`` as the frames of the first
    video stream are written: sound from the first frame's time on, shifted to start with the
    output.

    Sound that cannot be read further (damaged data) simply ends there: the picture, the point
    of an annotated video, must not be lost for it.
    """

    def __init__(
        self, source: str | os.PathLike[str], output: av.container.OutputContainer
    ) -> None:
        try:
            self._input = av.open(os.fspath(source), mode="r", metadata_errors="replace")
        except (av.error.FFmpegError, OSError) as exc:
            raise FormcheckError(f"cannot read the sound of {source}: {exc}") from None
        self._output = output
        audio = next(iter(self._input.streams.audio), None)
        self.present = audio is not None
        self._packets: Iterator[av.Packet] | None = None
        if audio is None:
            return
        video = next(iter(self._input.streams.video), None)
        self._origin_s = 0.0
        """Where the first frame is on the source's clock: the output's zero."""
        if video is not None and video.start_time is not None and video.time_base is not None:
            self._origin_s = float(video.start_time * video.time_base)
        self._copy = audio.codec_context.name in COPIED_CODECS
        if self._copy:
            self._stream = output.add_stream_from_template(audio)
        else:
            self._stream = output.add_stream("aac", rate=audio.codec_context.sample_rate)
            # The default layout for the channel count: AAC refuses an unnamed one ("1
            # channels", as PCM in Matroska often has).
            self._stream.layout = av.AudioLayout(f"{audio.codec_context.layout.nb_channels}c")
        self._source = audio
        self._packets = self._input.demux(audio)

    def mux_until(self, end_s: float) -> None:
        """Mux the sound that starts before ``end_s`` seconds of the output."""
        if self._packets is None:
            return
        try:
            for packet in self._packets:
                if packet.pts is None or packet.time_base is None:
                    continue  # the demuxer's empty flush packet
                at_s = float(packet.pts * packet.time_base) - self._origin_s
                if at_s >= 0:
                    self._mux(packet)
                if at_s >= end_s:
                    return
        except av.error.FFmpegError:
            pass
        self._packets = None

    def _mux(self, packet: av.Packet) -> None:
        shift = round(self._origin_s / packet.time_base)
        if self._copy:
            packet.pts -= shift
            if packet.dts is not None:
                packet.dts -= shift
            packet.stream = self._stream
            self._output.mux(packet)
            return
        assert isinstance(self._stream, AudioStream)
        for frame in self._source.decode(packet):
            if frame.time is None or frame.time < self._origin_s:
                continue
            frame.pts = round((frame.time - self._origin_s) * frame.sample_rate)
            frame.time_base = Fraction(1, frame.sample_rate)
            self._output.mux(self._stream.encode(frame))

    def finish(self) -> None:
        """Flush the encoder into the output, when re-encoding; before the output closes."""
        if self.present and not self._copy:
            assert isinstance(self._stream, AudioStream)
            self._output.mux(self._stream.encode(None))

    def close(self) -> None:
        """Release the source."""
        self._input.close()
