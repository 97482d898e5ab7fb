"""
The anchor for the tagger's preprocessing rows: sd-scripts' WD14 image loading and preprocessing, run the way
its tagger runs it without --max_data_loader_n_workers (one Python process, batches of images read in turn).

preprocess_image, resize_image and pil_resize are copied from kohya-ss/sd-scripts
(finetune/tag_images_by_wd14_tagger.py and library/utils.py, commit 48d368fa557731ad0488c07304dfeba8c07910eb),
Copyright kohya-ss and contributors, Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0).
Only logging and the interpolation lookup tables (reduced to the two entries resize_image picks) are left out.

Usage: python3 wd14_preprocess.py time <batch size> <image>...   prints {"ms": ..., "images": ...} as JSON
       python3 wd14_preprocess.py dump <image> <out.raw>         writes the 448x448x3 BGR tensor as uint8
"""
import json
import sys
import time

import cv2
import numpy as np
from PIL import Image

IMAGE_SIZE = 448


def pil_resize(image, size, interpolation):
    has_alpha = image.shape[2] == 4 if len(image.shape) == 3 else False

    if has_alpha:
        pil_image = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA))
    else:
        pil_image = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))

    resized_pil = pil_image.resize(size, resample=interpolation)

    # Convert back to cv2 format
    if has_alpha:
        resized_cv2 = cv2.cvtColor(np.array(resized_pil), cv2.COLOR_RGBA2BGRA)
    else:
        resized_cv2 = cv2.cvtColor(np.array(resized_pil), cv2.COLOR_RGB2BGR)

    return resized_cv2


def resize_image(image, width, height, resized_width, resized_height, resize_interpolation=None):
    width = int(width)
    height = int(height)
    resized_width = int(resized_width)
    resized_height = int(resized_height)

    if resize_interpolation is None:
        if width >= resized_width and height >= resized_height:
            resize_interpolation = "area"
        else:
            resize_interpolation = "lanczos"

    use_pil = resize_interpolation in ["lanczos", "lanczos4", "box"]

    resized_size = (resized_width, resized_height)
    if use_pil:
        image = pil_resize(image, resized_size, interpolation=Image.Resampling.LANCZOS)
    else:
        image = cv2.resize(image, resized_size, interpolation=cv2.INTER_AREA)
    return image


def preprocess_image(image: Image.Image) -> np.ndarray:
    # If image has transparency, convert to RGBA. If not, convert to RGB
    if image.mode in ("RGBA", "LA") or "transparency" in image.info:
        image = image.convert("RGBA")
    elif image.mode != "RGB":
        image = image.convert("RGB")

    # If image is RGBA, combine with white background
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.split()[3])  # Use alpha channel as mask
        image = background

    image = np.array(image)
    image = image[:, :, ::-1]  # RGB->BGR

    # pad to square
    size = max(image.shape[0:2])
    pad_x = size - image.shape[1]
    pad_y = size - image.shape[0]
    pad_l = pad_x // 2
    pad_t = pad_y // 2
    image = np.pad(image, ((pad_t, pad_y - pad_t), (pad_l, pad_x - pad_l), (0, 0)), mode="constant", constant_values=255)

    image = resize_image(image, image.shape[0], image.shape[1], IMAGE_SIZE, IMAGE_SIZE)

    image = image.astype(np.float32)
    return image


def load_batches(image_paths, batch_size):
    """The tagger's main loop without a DataLoader: open and preprocess each batch's images, then stack them."""
    count = 0
    for start in range(0, len(image_paths), batch_size):
        images = []
        for image_path in image_paths[start : start + batch_size]:
            image = Image.open(image_path)
            images.append(preprocess_image(image))
        count += len(np.stack(images))
    return count


def main():
    if sys.argv[1] == "time":
        batch_size = int(sys.argv[2])
        paths = sys.argv[3:]
        started = time.perf_counter()
        count = load_batches(paths, batch_size)
        print(json.dumps({"ms": (time.perf_counter() - started) * 1000, "images": count}))
    elif sys.argv[1] == "dump":
        tensor = preprocess_image(Image.open(sys.argv[2]))
        tensor.round().astype(np.uint8).tofile(sys.argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
