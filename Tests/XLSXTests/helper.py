"""Helpers the Swift tests call: read a workbook with openpyxl as JSON, or write one."""
import datetime
import json
import sys

import openpyxl


def cell_json(value):
    if isinstance(value, datetime.datetime):
        return {"date": value.strftime("%Y-%m-%dT%H:%M:%S")}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, (int, float)):
        return {"number": float(value)}
    if value is None:
        return None
    return {"string": str(value)}


def read(path):
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        out[sheet.title] = {
            "rows": [[cell_json(c) for c in row] for row in sheet.iter_rows(values_only=True)],
            "frozen": sheet.freeze_panes,
            "protected": bool(sheet.protection.sheet),
            "locked": {c.coordinate: c.protection.locked for row in sheet.iter_rows() for c in row if c.value is not None},
            "bold": {c.coordinate: bool(c.font.b) for row in sheet.iter_rows() for c in row if c.value is not None},
            "formats": {c.coordinate: c.number_format for row in sheet.iter_rows() for c in row if c.value is not None},
            "widths": {k: v.width for k, v in sheet.column_dimensions.items() if v.customWidth},
        }
    print(json.dumps(out, ensure_ascii=False))


def write(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Данные"
    sheet.append(["Номер", "Имя", "Сумма", "Дата", "Флаг"])
    sheet.append([1, "Ромашка & «Ко»", 1234.5, datetime.datetime(2026, 11, 30, 0, 0), True])
    sheet.append([2, None, -0.001, datetime.datetime(1900, 1, 1, 12, 0), False])
    sheet["B4"] = "=1+1"
    sheet["H10"] = "далеко"
    other = book.create_sheet("Второй")
    other["A1"] = 3.14159
    book.save(path)


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    {"read": read, "write": write}[command](path)
