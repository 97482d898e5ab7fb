/** The training folder's settings file. Its own module, so that code which only names it (the tag list's
 * messages, the lint thread) does not load the settings model and its YAML parser. */
export const SETTINGS_FILE_NAME = 'lora-workbench.yaml';
