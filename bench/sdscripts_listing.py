"""
sd-scripts' own listing of a DreamBooth-style training folder, the anchor of the `scan` bench (issue 22).

Copied from kohya-ss/sd-scripts (https://github.com/kohya-ss/sd-scripts, commit 48d368fa557731ad0488c07304dfeba8c07910eb),
Apache License 2.0 (https://github.com/kohya-ss/sd-scripts/blob/main/LICENSE.md):
- IMAGE_EXTENSIONS and glob_images from library/train_util.py (without the optional avif/jxl plugins);
- generate_dreambooth_subsets_config_by_subdirs from library/config_util.py;
- read_caption, the caption loop of load_dreambooth_dir and set_tag_frequency from DreamBoothDataset in
  library/train_util.py (logging, tqdm, validation splits and the image-info cache left out).
The copied function bodies are unchanged apart from those omissions.

Usage: python3 sdscripts_listing.py <images dir> [<reg dir>] [--captions]
Without --captions: the subsets and their images (what the trainer does before reading captions);
with --captions: every caption read too, as DreamBoothDataset does. Prints one JSON line of totals.
"""

import glob
import json
import os
import sys
from pathlib import Path
from typing import Optional, Tuple

IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".PNG", ".JPG", ".JPEG", ".WEBP", ".BMP"]


def glob_images(directory, base="*"):
    img_paths = []
    for ext in IMAGE_EXTENSIONS:
        if base == "*":
            img_paths.extend(glob.glob(os.path.join(glob.escape(directory), base + ext)))
        else:
            img_paths.extend(glob.glob(glob.escape(os.path.join(directory, base + ext))))
    img_paths = list(set(img_paths))  # 重複を排除
    img_paths.sort()
    return img_paths


def generate_dreambooth_subsets_config_by_subdirs(train_data_dir: Optional[str] = None, reg_data_dir: Optional[str] = None):
    def extract_dreambooth_params(name: str) -> Tuple[int, str]:
        tokens = name.split("_")
        try:
            n_repeats = int(tokens[0])
        except ValueError as e:
            return 0, ""
        caption_by_folder = "_".join(tokens[1:])
        return n_repeats, caption_by_folder

    def generate(base_dir: Optional[str], is_reg: bool):
        if base_dir is None:
            return []

        base_dir: Path = Path(base_dir)
        if not base_dir.is_dir():
            return []

        subsets_config = []
        for subdir in base_dir.iterdir():
            if not subdir.is_dir():
                continue

            num_repeats, class_tokens = extract_dreambooth_params(subdir.name)
            if num_repeats < 1:
                continue

            subset_config = {"image_dir": str(subdir), "num_repeats": num_repeats, "is_reg": is_reg, "class_tokens": class_tokens}
            subsets_config.append(subset_config)

        return subsets_config

    subsets_config = []
    subsets_config += generate(train_data_dir, False)
    subsets_config += generate(reg_data_dir, True)

    return subsets_config


def read_caption(img_path, caption_extension, enable_wildcard):
    # captionの候補ファイル名を作る
    base_name = os.path.splitext(img_path)[0]
    base_name_face_det = base_name
    tokens = base_name.split("_")
    if len(tokens) >= 5:
        base_name_face_det = "_".join(tokens[:-4])
    cap_paths = [base_name + caption_extension, base_name_face_det + caption_extension]

    caption = None
    for cap_path in cap_paths:
        if os.path.isfile(cap_path):
            with open(cap_path, "rt", encoding="utf-8") as f:
                try:
                    lines = f.readlines()
                except UnicodeDecodeError as e:
                    raise e
                assert len(lines) > 0, f"caption file is empty / キャプションファイルが空です: {cap_path}"
                if enable_wildcard:
                    caption = "\n".join([line.strip() for line in lines if line.strip() != ""])  # 空行を除く、改行で連結
                else:
                    caption = lines[0].strip()
            break
    return caption


def set_tag_frequency(tag_frequency, dir_name, captions):
    frequency_for_dir = tag_frequency.get(dir_name, {})
    tag_frequency[dir_name] = frequency_for_dir
    for caption in captions:
        for tag in caption.split(","):
            tag = tag.strip()
            if tag:
                tag = tag.lower()
                frequency = frequency_for_dir.get(tag, 0)
                frequency_for_dir[tag] = frequency + 1


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    with_captions = "--captions" in sys.argv
    subsets = generate_dreambooth_subsets_config_by_subdirs(args[0], args[1] if len(args) > 1 else None)
    tag_frequency = {}
    train_images = reg_images = captioned = 0
    for subset in subsets:
        img_paths = glob_images(subset["image_dir"], "*")
        if with_captions:
            # load_dreambooth_dir's caption loop
            captions = []
            for img_path in img_paths:
                cap_for_img = read_caption(img_path, ".txt", False)
                if cap_for_img is None:
                    captions.append(subset["class_tokens"])
                else:
                    captioned += 1
                    captions.append(cap_for_img)
            set_tag_frequency(tag_frequency, os.path.basename(subset["image_dir"]), captions)
        if subset["is_reg"]:
            reg_images += len(img_paths) * subset["num_repeats"]
        else:
            train_images += len(img_paths) * subset["num_repeats"]
    print(json.dumps({"subsets": len(subsets), "train_images_times_repeats": train_images, "reg_images_times_repeats": reg_images, "captioned": captioned}))


if __name__ == "__main__":
    main()
