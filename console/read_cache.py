"""A small bounded map shared by every session's script thread: reads whose key names exactly what they read."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable


class ReadCache:
    """Least recently used first out. Only for values nobody mutates (views, rows read once):
    every session gets the same object."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()  # script threads of many sessions at once

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
