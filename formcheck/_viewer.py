"""The live window, in a process of its own: the script :class:`formcheck.live.views.Window` runs.

Why its own process: OpenCV's Qt and PyAV ship copies of the same X libraries under the same
names, and in one process PyAV's (loaded first by formcheck) leave Qt's window hanging for
good. Qt also ends the whole process when it cannot reach the display; here that ends only
the window, and the session goes on to write its report. This script imports nothing from
formcheck, so running it never loads PyAV.

Protocol: stdin carries frames, each a header of three little-endian uint32 (height, width,
channels) followed by the RGB bytes; stdout carries one byte per event: ``r`` ready, ``q``
quit (q, Esc, or the window closed), ``x`` reset the set, ``p`` pause. The window closes when
stdin does.
"""

from __future__ import annotations

import os
import struct
import sys

HEADER = struct.Struct("<3I")
KEYS = {ord("q"): b"q", 27: b"q", ord("r"): b"x", ord(" "): b"p"}


def main() -> int:
    # OpenCV's bundled Qt warns on every start that it ships no fonts; OpenCV draws its own.
    os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
    import cv2
    import numpy as np

    title = sys.argv[1] if len(sys.argv) > 1 else "formcheck live"
    frames, events = sys.stdin.buffer, sys.stdout.buffer
    cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE)
    events.write(b"r")
    events.flush()
    while len(header := frames.read(HEADER.size)) == HEADER.size:
        height, width, channels = HEADER.unpack(header)
        data = frames.read(height * width * channels)
        if len(data) < height * width * channels:
            break
        image = np.frombuffer(data, np.uint8).reshape(height, width, channels)
        cv2.imshow(title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1) & 0xFF
        event = b"q" if cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) < 1 else KEYS.get(key)
        if event is not None:
            events.write(event)
            events.flush()
            if event == b"q":
                break
    cv2.destroyAllWindows()
    return 0


if __name__ == "__main__":
    sys.exit(main())
